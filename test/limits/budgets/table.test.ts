import { describe, expect, it } from 'vitest';
import { type RateBudgetTable, costsOf, evaluateCost, extendTable, validateTable } from '../../../src/limits/budgets/table.js';

const table: RateBudgetTable = {
  name: 't',
  budgets: [
    { id: 'W', limit: 100, windowMs: 1000 },
    { id: 'RAW', limit: 1000, windowMs: 1000, perCall: 1 },
  ],
  endpoints: {
    depth: { costs: { W: { param: 'limit', steps: [[100, 5], [500, 25]], absent: 5 } } },
    order: { costs: { W: 1 }, lane: 'orders' },
    fn: { costs: { W: (p) => Number(p.n) * 2 } },
  },
};

describe('budget tables', () => {
  it('step costs pick the first step whose upTo covers the value; above the last, the last', () => {
    const cost = { param: 'limit', steps: [[100, 5], [500, 25]] as const, absent: 7 };
    expect(evaluateCost(cost, { limit: 1 })).toBe(5);
    expect(evaluateCost(cost, { limit: 100 })).toBe(5);
    expect(evaluateCost(cost, { limit: 101 })).toBe(25);
    expect(evaluateCost(cost, { limit: '500' })).toBe(25);
    expect(evaluateCost(cost, { limit: 9999 })).toBe(25);
    expect(evaluateCost(cost, {})).toBe(7);
    expect(evaluateCost({ param: 'ids', steps: [[2, 1], [10, 3]] }, { ids: ['a', 'b', 'c'] })).toBe(3);
    expect(evaluateCost({ param: 'ids', steps: [[2, 1], [10, 3]] }, { ids: '["a"]' })).toBe(1);
    // a missing parameter without `absent` costs the most expensive step
    expect(evaluateCost({ param: 'x', steps: [[1, 1], [2, 9]] }, {})).toBe(9);
  });

  it('costsOf adds perCall charges and leaves out budgets that cost nothing', () => {
    expect(costsOf(table, 'depth', { limit: 300 })).toEqual({ W: 25, RAW: 1 });
    expect(costsOf(table, 'fn', { n: 3 })).toEqual({ W: 6, RAW: 1 });
  });

  it('an unknown endpoint without a fallback is a TypeError naming it', () => {
    expect(() => costsOf(table, 'nope')).toThrow(/no rule for endpoint "nope"/);
    const withFallback = extendTable(table, { fallback: { costs: { W: 2 } } });
    expect(costsOf(withFallback, 'nope')).toEqual({ W: 2, RAW: 1 });
  });

  it('extendTable merges budgets by id and replaces endpoint rules, leaving the base untouched', () => {
    const custom = extendTable(table, {
      budgets: [{ id: 'W', limit: 50 }, { id: 'NEW', limit: 5, windowMs: 10 }],
      endpoints: { order: { costs: { W: 2, NEW: 1 }, lane: 'orders' } },
    });
    expect(custom.budgets.find((b) => b.id === 'W')).toEqual({ id: 'W', limit: 50, windowMs: 1000 });
    expect(costsOf(custom, 'order')).toEqual({ W: 2, RAW: 1, NEW: 1 });
    expect(table.budgets[0]?.limit).toBe(100);
    expect(costsOf(table, 'order')).toEqual({ W: 1, RAW: 1 });
  });

  it('rejects malformed tables with the entry and the reason', () => {
    expect(() => validateTable({ ...table, budgets: [] })).toThrow(/at least one budget/);
    expect(() => validateTable({ ...table, budgets: [{ id: 'W', limit: 0, windowMs: 1 }] })).toThrow('budget table "t": budgets["W"].limit must be a finite number > 0, got 0');
    expect(() => validateTable({ ...table, budgets: [{ id: 'W', limit: 1, windowMs: 0.5 }] })).toThrow(/windowMs/);
    expect(() => validateTable({ ...table, endpoints: { x: { costs: { NOPE: 1 } } } })).toThrow(/unknown budget "NOPE"/);
    expect(() => validateTable({ ...table, endpoints: { x: { costs: { W: { param: 'p', steps: [[5, 1], [2, 2]] } } } } })).toThrow(/increasing/);
    expect(() => validateTable({ ...table, endpoints: { x: { costs: { W: -1 } } } })).toThrow('budget table "t": endpoints["x"].costs["W"] must be a finite number >= 0, got -1');
  });
});
