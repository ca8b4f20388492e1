import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { healthScore } from '../../src/health/score.js';
import type { CheckReport, ReportedStatus } from '../../src/health/types.js';

function check(name: string, group: string, status: ReportedStatus, weight = 1, message?: string): CheckReport {
  return {
    name,
    group,
    status,
    ownStatus: status === 'affected' ? 'unknown' : status,
    critical: true,
    weight,
    tags: [],
    component: name,
    measurement: 'status',
    checkedAt: 0,
    durationMs: 0,
    ...(message ? { message } : {}),
  };
}

describe('healthScore', () => {
  it('is 100 with no reasons when everything is up', () => {
    const score = healthScore({ checks: [check('a', 'resilience', 'up'), check('b', 'system', 'up')] });
    expect(score.score).toBe(100);
    expect(score.reasons).toEqual([]);
  });

  it('uses the default group weights 40/30/20/10 and lists the reasons that lowered it, largest first', () => {
    const score = healthScore({
      checks: [
        check('breaker:binance', 'resilience', 'down', 1, 'breaker binance is open'),
        check('breaker:kraken', 'resilience', 'up'),
        check('memory', 'system', 'degraded', 1, 'heap used/limit 0.90 ratio >= 0.85'),
        check('postgres', 'services', 'up'),
        check('feeds', 'trading', 'up'),
      ],
    });
    // resilience: one of two down -> loses 20; system: degraded -> loses 15.
    expect(score.score).toBe(65);
    expect(score.reasons).toEqual([
      { check: 'breaker:binance', group: 'resilience', status: 'down', lost: 20, message: 'breaker binance is open' },
      { check: 'memory', group: 'system', status: 'degraded', lost: 15, message: 'heap used/limit 0.90 ratio >= 0.85' },
    ]);
    expect(score.groups.resilience).toEqual({ score: 50, weight: 0.4 });
  });

  it('re-normalises when a group has no checks, and honours custom weights', () => {
    const score = healthScore({ checks: [check('a', 'system', 'down'), check('b', 'trading', 'up')] }, { weights: { system: 1, trading: 3 } });
    expect(score.score).toBe(75);
    expect(score.reasons[0]).toMatchObject({ check: 'a', lost: 25, message: 'a is down' });
  });

  it('rejects a negative weight with the group named', () => {
    expect(() => healthScore({ checks: [] }, { weights: { system: -1 } })).toThrow(/group "system"/);
  });

  it('property: the score is within 0-100 and the reasons account for every lost point', () => {
    const statuses: ReportedStatus[] = ['up', 'degraded', 'down', 'unknown', 'affected'];
    const groups = ['resilience', 'system', 'services', 'trading'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ group: fc.constantFrom(...groups), status: fc.constantFrom(...statuses), weight: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 12 }),
        (items) => {
          const result = healthScore({ checks: items.map((it, i) => check(`c${i}`, it.group, it.status, it.weight)) });
          expect(result.score).toBeGreaterThanOrEqual(0);
          expect(result.score).toBeLessThanOrEqual(100);
          const lost = result.reasons.reduce((s, r) => s + r.lost, 0);
          expect(Math.abs(100 - lost - result.score)).toBeLessThanOrEqual(0.5 + 0.05 * result.reasons.length);
        },
      ),
    );
  });
});
