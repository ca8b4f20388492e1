import { describe, expect, it } from 'vitest';
import {
  type HeldOrder,
  type JournalEntry,
  alertRuleIssues,
  duplicateClientOrderIds,
  growthPerHour,
  journalDrift,
  longestGateSpan,
  minutesWithoutNewOrders,
} from '../../../src/demo/soak/invariants.js';

const MIN = 60_000;

describe('duplicateClientOrderIds', () => {
  it('names every client order id the exchange holds twice, and only those', () => {
    expect(duplicateClientOrderIds([{ clientOrderId: 'a' }, { clientOrderId: 'b' }, { clientOrderId: 'a' }, { clientOrderId: 'c' }, { clientOrderId: 'a' }])).toEqual(['a']);
    expect(duplicateClientOrderIds([{ clientOrderId: 'a' }, { clientOrderId: 'b' }])).toEqual([]);
  });
});

describe('minutesWithoutNewOrders', () => {
  it('minute 0 (start-up) and an unfinished last minute are not judged', () => {
    expect(minutesWithoutNewOrders([], 0, 1.5 * MIN)).toEqual([]);
    expect(minutesWithoutNewOrders([], 0, 2 * MIN)).toEqual([1]);
  });

  it('finds the silent minutes from recorded order times', () => {
    const times = [5_000, 61_000, 179_999, 250_000];
    // Minutes 1 [60, 120), 2 [120, 180), 3 [180, 240) and 4 [240, 300): 3 is silent.
    expect(minutesWithoutNewOrders(times, 0, 5 * MIN)).toEqual([3]);
    // Relative to the start: an order before the start counts for nothing.
    expect(minutesWithoutNewOrders([-1, 70_000 + 1_000], 1_000, 2 * MIN + 1_000)).toEqual([]);
  });
});

describe('longestGateSpan', () => {
  const changes = [
    { at: 10_000, to: 'reducing' as const },
    { at: 15_000, to: 'halted' as const },
    { at: 40_000, to: 'active' as const },
    { at: 50_000, to: 'reducing' as const },
    { at: 55_000, to: 'active' as const },
  ];

  it('joins reducing and halted into one span when both count', () => {
    expect(longestGateSpan('active', changes, ['reducing', 'halted'], 0, 100_000)).toEqual({ from: 10_000, to: 40_000, durationMs: 30_000 });
    expect(longestGateSpan('active', changes, ['halted'], 0, 100_000)).toEqual({ from: 15_000, to: 40_000, durationMs: 25_000 });
  });

  it('a span still open at the end counts up to the end; an initial mode counts from the start', () => {
    expect(longestGateSpan('active', [{ at: 90_000, to: 'halted' }], ['halted'], 0, 300_000)).toEqual({ from: 90_000, to: 300_000, durationMs: 210_000 });
    expect(longestGateSpan('halted', [{ at: 5_000, to: 'active' }], ['halted'], 0, 10_000)).toEqual({ from: 0, to: 5_000, durationMs: 5_000 });
    expect(longestGateSpan('active', [], ['halted'], 0, 10_000)).toBeUndefined();
  });
});

describe('journalDrift', () => {
  const now = 100_000;
  const options = { followUpMs: 10_000, unresolvedMs: 60_000 };
  const held = (clientOrderId: string, status: string, updateTime: number): HeldOrder => ({ clientOrderId, status, time: updateTime - 1_000, updateTime });
  const entry = (clientOrderId: string, state: JournalEntry['state'], updatedAt = 0): JournalEntry => ({ clientOrderId, state, updatedAt });

  it('agrees when every old enough order has the matching state', () => {
    const orders = [held('a', 'NEW', 50_000), held('b', 'FILLED', 50_000), held('c', 'CANCELED', 50_000), held('d', 'PARTIALLY_FILLED', 50_000)];
    const journal = [entry('a', 'OPEN'), entry('b', 'FILLED'), entry('c', 'CANCELED'), entry('d', 'PARTIALLY_FILLED'), entry('e', 'FAILED'), entry('f', 'REJECTED')];
    expect(journalDrift(journal, orders, now, options)).toEqual([]);
  });

  it('names an order the journal still shows OPEN after the exchange filled it, once past the follow-up bound', () => {
    const journal = [entry('a', 'OPEN')];
    expect(journalDrift(journal, [held('a', 'FILLED', now - 9_999)], now, options)).toEqual([]);
    expect(journalDrift(journal, [held('a', 'FILLED', now - 10_000)], now, options)).toEqual([{ clientOrderId: 'a', journal: 'OPEN', exchange: 'FILLED', ageMs: 10_000 }]);
  });

  it('an order on the exchange the journal does not know is drift', () => {
    expect(journalDrift([], [held('x', 'NEW', 0)], now, options)).toEqual([{ clientOrderId: 'x', journal: 'none', exchange: 'NEW', ageMs: now }]);
  });

  it('an intent UNKNOWN with no order on the exchange has until the unresolved bound; an OPEN one only the follow-up bound', () => {
    expect(journalDrift([entry('u', 'UNKNOWN', now - 59_999)], [], now, options)).toEqual([]);
    expect(journalDrift([entry('u', 'UNKNOWN', now - 60_000)], [], now, options)).toEqual([{ clientOrderId: 'u', journal: 'UNKNOWN', exchange: 'none', ageMs: 60_000 }]);
    expect(journalDrift([entry('o', 'OPEN', now - 10_000)], [], now, options)).toEqual([{ clientOrderId: 'o', journal: 'OPEN', exchange: 'none', ageMs: 10_000 }]);
  });

  it('time inside an injected fault does not count: the client could not look then', () => {
    // Filled at 80 s, during an outage from 75 s to 95 s: 5 s outside it by 100 s, not yet due.
    const outages = [{ from: 75_000, to: 95_000 }];
    expect(journalDrift([entry('a', 'OPEN')], [held('a', 'FILLED', 80_000)], now, { ...options, outages })).toEqual([]);
    // Filled at 60 s: 40 s since, 20 s of them in the outage: 20 s outside, due.
    expect(journalDrift([entry('a', 'OPEN')], [held('a', 'FILLED', 60_000)], now, { ...options, outages })).toEqual([{ clientOrderId: 'a', journal: 'OPEN', exchange: 'FILLED', ageMs: 20_000 }]);
    // A fault still on counts up to now.
    expect(journalDrift([entry('a', 'OPEN')], [held('a', 'FILLED', 85_000)], now, { ...options, outages: [{ from: 90_000, to: undefined }] })).toEqual([]);
  });

  it('an UNKNOWN intent the exchange holds must follow within the follow-up bound, not the unresolved one', () => {
    expect(journalDrift([entry('u', 'UNKNOWN', 0)], [held('u', 'NEW', now - 20_000)], now, options)).toEqual([{ clientOrderId: 'u', journal: 'UNKNOWN', exchange: 'NEW', ageMs: 20_000 }]);
  });
});

describe('alertRuleIssues', () => {
  it('no issue when every rule evaluated recently with data and nothing failed', () => {
    expect(alertRuleIssues([{ name: 'A', evaluations: 30, withoutData: 0, lastEvaluatedAt: 99_000 }], [], 100_000, 6_000)).toEqual([]);
  });

  it('names errors, silent rules and rules without data', () => {
    const issues = alertRuleIssues(
      [
        { name: 'Silent', evaluations: 3, withoutData: 0, lastEvaluatedAt: 80_000 },
        { name: 'Never', evaluations: 0, withoutData: 0, lastEvaluatedAt: undefined },
        { name: 'NoData', evaluations: 30, withoutData: 28, lastEvaluatedAt: 99_000 },
      ],
      [{ rule: 'Broken', message: 'boom' }],
      100_000,
      6_000,
    );
    expect(issues).toEqual([
      { rule: 'Broken', problem: 'evaluation failed: boom' },
      { rule: 'Silent', problem: 'not evaluated for 20000 ms' },
      { rule: 'Never', problem: 'never evaluated' },
      { rule: 'NoData', problem: '28 of 30 evaluations found no series' },
    ]);
  });
});

describe('growthPerHour', () => {
  it('is the least-squares slope scaled to an hour', () => {
    // 1 MB per minute is 60 MB per hour.
    const line = Array.from({ length: 60 }, (_, i) => ({ at: i * MIN, value: 40e6 + i * 1e6 }));
    expect(growthPerHour(line)).toBeCloseTo(60e6, 0);
    // A garbage-collector sawtooth of +-0.5 MB around the line moves the estimate by less than 0.1 %.
    const noisy = line.map((s, i) => ({ ...s, value: s.value + (i % 2 === 0 ? 5e5 : -5e5) }));
    expect(Math.abs(growthPerHour(noisy) - 60e6)).toBeLessThan(60e3);
  });

  it('flat samples grow by 0; a single sample or a single time has no slope', () => {
    expect(growthPerHour([{ at: 0, value: 5 }, { at: 1_000, value: 5 }, { at: 2_000, value: 5 }])).toBe(0);
    expect(growthPerHour([{ at: 0, value: 5 }])).toBeNaN();
    expect(growthPerHour([{ at: 0, value: 5 }, { at: 0, value: 6 }])).toBeNaN();
  });
});
