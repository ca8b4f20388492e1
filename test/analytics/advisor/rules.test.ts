/** The advisor's rules on given evidence: each proposal, its evidence, and when it keeps or has none. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { exchangeRateBudget } from '../../../src/limits/budgets/exchange-rate-budget.js';
import { binanceSpotTable } from '../../../src/limits/budgets/tables/binance-spot.js';
import { breakerRule } from '../../../src/analytics/advisor/breaker-rule.js';
import { ADVISOR_DEFAULTS, resolveAdvisorOptions } from '../../../src/analytics/advisor/options.js';
import { rateLimitRule } from '../../../src/analytics/advisor/rate-limit-rule.js';
import { attemptsFor, expectedRetries, retryRule } from '../../../src/analytics/advisor/retry-rule.js';
import { timeoutRule } from '../../../src/analytics/advisor/timeout-rule.js';
import type { DependencyEvidence } from '../../../src/analytics/advisor/types.js';
import { weightObserver } from '../../../src/analytics/advisor/weight-observer.js';
import { settingsFromConfig } from '../../../src/analytics/advisor/policy-settings.js';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.js';

const o = resolveAdvisorOptions();

function evidence(over: Partial<DependencyEvidence> = {}): DependencyEvidence {
  return {
    dependency: 'binance:marketData',
    fromMs: 0,
    toMs: 3_600_000,
    calls: 7_200,
    success: 7_100,
    failure: 100,
    timeout: 0,
    rejected: 0,
    callsPerSecond: 2,
    p50Ms: 40,
    p99Ms: 90,
    p99_9Ms: 120,
    errorRate: 100 / 7_200,
    baselineErrorRate: 0.01,
    buckets: 360,
    bucketMs: 10_000,
    worstBucketMs: null,
    ...over,
  };
}

describe('timeout rule', () => {
  it('proposes p99.9 x the margin, rounded up, when the timeout is far above it', () => {
    const p = timeoutRule(evidence(), { timeout: { ms: 10_000 } }, o);
    expect(p.kind).toBe('proposed');
    expect(p.changes).toEqual([{ key: 'policies.timeout.ms', option: 'timeout.ms', from: 10_000, to: 180 }]); // 120 x 1.5
    expect(p.evidence).toMatchObject({ p99_9Ms: 120, margin: 1.5, currentMs: 10_000, boundBy: 'latency' });
  });

  it("never goes below the exchange's documented floor for the kind", () => {
    const p = timeoutRule(evidence({ dependency: 'binance:orders' }), { timeout: { ms: 30_000 } }, o);
    expect(p.changes[0]!.to).toBe(ADVISOR_DEFAULTS.timeoutFloorsMs.orders);
    expect(p.evidence.boundBy).toBe('the documented floor for "orders"');
  });

  it('keeps a timeout within the tolerance and has no evidence on too few calls', () => {
    expect(timeoutRule(evidence(), { timeout: { ms: 200 } }, o).kind).toBe('keep');
    const none = timeoutRule(evidence({ success: 10 }), { timeout: { ms: 10_000 } }, o);
    expect(none.kind).toBe('no-evidence');
    expect(none.proposed).toBeUndefined();
  });
});

describe('retry rule', () => {
  it('computes the tries that reach the target and what they cost', () => {
    expect(attemptsFor(0.01, 1e-4, 5)).toBe(2);
    expect(attemptsFor(0.05, 1e-4, 5)).toBe(4); // 0.05^3 > 1e-4 >= 0.05^4
    expect(attemptsFor(0, 1e-4, 5)).toBe(2);
    expect(expectedRetries(0.1, 3)).toBeCloseTo(0.11, 9);
  });

  it('adds a budget to retries without one, keeping tries that fit it', () => {
    const p = retryRule(evidence(), { retry: { maxAttempts: 4, retryBudget: false } }, o);
    expect(p.kind).toBe('proposed');
    expect(p.changes).toEqual([{ key: 'policies.retry.budget', option: 'retry.retryBudget', from: null, to: { ratio: 0.2, minRetriesPerSecond: 1 } }]);
    expect(p.proposed?.retry).toMatchObject({ maxAttempts: 4 });
  });

  it('lowers tries the budget cannot pay for at the baseline', () => {
    // At 30% failing, 5 tries spend 0.3 + 0.09 + ... > 0.2 retries per call.
    const p = retryRule(evidence({ baselineErrorRate: 0.3 }), { retry: { maxAttempts: 5, retryBudget: { ratio: 0.2, minRetriesPerSecond: 10 } } }, o);
    expect(p.changes[0]).toMatchObject({ key: 'policies.retry.maxAttempts', from: 5, to: 2 });
  });

  it('keeps budgeted tries that fit', () => {
    expect(retryRule(evidence(), { retry: { maxAttempts: 3, retryBudget: { ratio: 0.2, minRetriesPerSecond: 10 } } }, o).kind).toBe('keep');
  });
});

describe('breaker rule', () => {
  it('sets the threshold from the baseline and the minimum calls from the traffic', () => {
    const p = breakerRule(evidence({ baselineErrorRate: 0.08, callsPerSecond: 5 }), { breaker: { failureRateThreshold: 0.9, minimumCalls: 500, openMs: 30_000 } }, o);
    expect(p.proposed?.breaker).toMatchObject({ failureRateThreshold: 0.35, minimumCalls: 50, openMs: 30_000 }); // 0.08 x 4 -> 0.35; 5/s x 10 s
    expect(p.evidence).toMatchObject({ baselineErrorRate: 0.08, callsPerSecond: 5 });
  });

  it('proposes a rate window where the breaker counts failures in a row (its threshold is not used there)', () => {
    const current = { breaker: { failureRateThreshold: 0.25, minimumCalls: 20, openMs: 30_000, window: { kind: 'consecutive' as const, failures: 5 } } };
    const p = breakerRule(evidence({ baselineErrorRate: 0.01 }), current, o);
    expect(p.kind).toBe('proposed'); // the same threshold and calls, but they judge nothing under a consecutive window
    expect(p.proposed?.breaker).toMatchObject({ failureRateThreshold: 0.2, minimumCalls: 20, window: { kind: 'count', size: 100 } });
    expect(p.changes).toContainEqual({ key: 'policies.breaker.window', option: 'breaker.window', from: current.breaker.window, to: { kind: 'count', size: 100 } });
    expect(p.summary).toMatch(/instead of 5 failures in a row/);
  });

  it('bounds both figures', () => {
    const p = breakerRule(evidence({ baselineErrorRate: 0, callsPerSecond: 0.1 }), {}, o);
    expect(p.proposed?.breaker).toMatchObject({ failureRateThreshold: o.minFailureRateThreshold, minimumCalls: o.minBreakerCalls });
  });
});

describe('rate-limit headroom rule', () => {
  it('says it has no evidence when no used-weight header was seen, and proposes nothing', () => {
    const p = rateLimitRule(undefined, o);
    expect(p.kind).toBe('no-evidence');
    expect(p.summary).toMatch(/not guessed/);
    expect(rateLimitRule([], o).kind).toBe('no-evidence');
  });

  it("reads the exchange's own counts through an exchangeRateBudget", async () => {
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock: new ManualClock(0) });
    const observer = weightObserver(budget);
    for (const used of [1_000, 5_100, 2_000]) await budget.observeResponse('GET /api/v3/depth', 200, { 'X-MBX-USED-WEIGHT-1M': String(used) });
    const weight = observer.observations().find((w) => w.budget === 'REQUEST_WEIGHT')!;
    expect(weight).toMatchObject({ limit: 6_000, samples: 3, peakUsed: 5_100 });
    const p = rateLimitRule(observer.observations(), o);
    expect(p.kind).toBe('advisory'); // 85% of the limit at the peak, above the 80% target
    expect(p.evidence).toMatchObject({ budget: 'REQUEST_WEIGHT', peakUsed: 5_100, limit: 6_000 });
    observer.close();
    await budget.observeResponse('GET /api/v3/depth', 200, { 'X-MBX-USED-WEIGHT-1M': '5900' });
    expect(observer.observations().find((w) => w.budget === 'REQUEST_WEIGHT')!.peakUsed).toBe(5_100);
  });
});

describe('settings and options', () => {
  it('reads the current settings from the configuration', () => {
    expect(settingsFromConfig(CONFIG_DEFAULTS)).toMatchObject({ timeout: { ms: 10_000 }, retry: { maxAttempts: 3, retryBudget: { ratio: 0.2 } }, breaker: { failureRateThreshold: 0.5, minimumCalls: 20, openMs: 30_000 } });
  });

  it('refuses bad options naming them', () => {
    expect(() => resolveAdvisorOptions({ timeoutMargin: 0.5 })).toThrow(/timeoutMargin/);
    expect(() => resolveAdvisorOptions({ timeoutQuantile: 1 })).toThrow(/timeoutQuantile/);
    expect(() => resolveAdvisorOptions({ timeoutFloorsMs: { orders: -1 } })).toThrow(/timeoutFloorsMs\.orders/);
  });
});
