/**
 * The what-if replay: a trace through the real policies on ManualClock. A deliberately bad setting
 * (a timeout far above the p99, retries without a budget) against a tuned one on a trace with an
 * outage; how each request is answered; determinism under a seed; bad input named.
 */
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/analytics/replay/replay.js';
import type { CallTrace, PolicySettings } from '../../../src/analytics/replay/types.js';
import { seededRandom } from '../../../src/core/random.js';
import { syntheticTrace } from './synthetic-trace.js';

// 30 minutes at 2 calls/s; from 10 to 20 minutes every call fails, half by never answering.
const outageTrace = syntheticTrace({
  seed: 7,
  durationMs: 30 * 60_000,
  callsPerSecond: 2,
  outage: { fromMs: 10 * 60_000, toMs: 20 * 60_000, timeoutShare: 0.5, failureLatencyMs: 20 },
  recordedTimeoutMs: 10_000,
});

function healthyP999(trace: CallTrace): number {
  const sorted = trace.calls.filter((c) => c.outcome === 'success').map((c) => c.latencyMs).sort((a, b) => a - b);
  return sorted[Math.floor(0.999 * (sorted.length - 1))]!;
}

const bad: PolicySettings = { timeout: { ms: 30_000 }, retry: { maxAttempts: 5 } };
const tuned: PolicySettings = {
  timeout: { ms: Math.ceil(healthyP999(outageTrace) * 1.5) },
  retry: { maxAttempts: 3, retryBudget: { ratio: 0.1, minRetriesPerSecond: 1 } },
  breaker: { failureRateThreshold: 0.5, minimumCalls: 10, openMs: 5_000, window: { kind: 'time', ms: 10_000 } },
};

describe('replay: a bad setting against a tuned one, over an outage', () => {
  it('finds the outage in the trace', async () => {
    const report = await replay(outageTrace, {}, { random: seededRandom(1) });
    expect(report.outages).toEqual([{ fromMs: 10 * 60_000, toMs: 20 * 60_000 }]);
    expect(report.duringOutages.calls).toBe(1_200);
  });

  it('the tuned settings give callers a lower p99 during the outage and put less load on the failing dependency', async () => {
    const before = await replay(outageTrace, bad, { random: seededRandom(1) });
    const after = await replay(outageTrace, tuned, { random: seededRandom(1) });
    expect(before.calls).toBe(3_600);
    expect(after.calls).toBe(3_600);
    // Waiting 30 s per try, five tries: callers wait minutes; the tuned timeout and the open breaker answer at once.
    expect(before.duringOutages.p99Ms).toBeGreaterThan(60_000);
    expect(after.duringOutages.p99Ms).toBeLessThan(before.duringOutages.p99Ms / 10);
    expect(after.dependencyRequestsDuringOutages).toBeLessThan(before.dependencyRequestsDuringOutages / 5);
    // Five tries per failed call, unbudgeted: the retries amplify the load.
    expect(before.amplification).toBeGreaterThan(1.5);
    expect(before.amplificationDuringOutages).toBeGreaterThan(3);
    expect(after.amplification).toBeLessThan(1.1);
    expect(after.openMs).toBeGreaterThan(5 * 60_000);
    expect(before.openMs).toBe(0);
    expect(after.rejected).toBeGreaterThan(0);
    // Outside the outage the tuned timeout cuts off no healthy call: only the breaker, open up to
    // openMs (5 s, 10 calls) past the outage's end, refuses a few.
    expect(before.failed - before.duringOutages.failed).toBe(0);
    expect(after.failed - after.duringOutages.failed).toBeLessThanOrEqual(10);
  });

  it('is deterministic under a seed', async () => {
    const first = await replay(outageTrace, bad, { random: seededRandom(42) });
    const again = await replay(outageTrace, bad, { random: seededRandom(42) });
    const other = await replay(outageTrace, bad, { random: seededRandom(43) });
    expect(again).toEqual(first);
    // The seed drives the backoff's jitter: another seed waits other delays.
    expect(other.duringOutages.p99Ms).not.toBe(first.duringOutages.p99Ms);
  });
});

describe('replay: how requests are answered', () => {
  it('without policies each call gets its own recorded latency and outcome', async () => {
    const trace: CallTrace = {
      calls: [
        { atMs: 0, latencyMs: 30, outcome: 'success' },
        { atMs: 100, latencyMs: 70, outcome: 'failure' },
        { atMs: 200, latencyMs: 50, outcome: 'success' },
      ],
    };
    const report = await replay(trace, {});
    expect(report).toMatchObject({ calls: 3, succeeded: 2, failed: 1, dependencyRequests: 3, amplification: 1, p50Ms: 50, p99Ms: 50, timedOut: 0, unanswered: 0 });
  });

  it("a call's first try is answered as the call was, even beside another call at the same time", async () => {
    const trace: CallTrace = {
      calls: [
        { atMs: 0, latencyMs: 30, outcome: 'failure' },
        { atMs: 0, latencyMs: 70, outcome: 'success' },
      ],
    };
    expect(await replay(trace, {})).toMatchObject({ succeeded: 1, failed: 1, p50Ms: 30, p99Ms: 30 });
  });

  it('a retry gets the behaviour of the trace call nearest its time', async () => {
    const trace: CallTrace = {
      calls: [
        { atMs: 0, latencyMs: 10, outcome: 'failure' },
        { atMs: 1_000, latencyMs: 1_000, outcome: 'success' },
      ],
    };
    // Decorrelated jitter between 800 and 800: the retry starts at 810, nearest the call at 1000,
    // and takes its 1000 ms; the two callers wait 10 + 800 + 1000 and 1000 ms.
    const report = await replay(trace, { retry: { maxAttempts: 2, backoff: { initialMs: 800, maxMs: 800 } } });
    expect(report).toMatchObject({ calls: 2, succeeded: 2, failed: 0, dependencyRequests: 3, amplification: 1.5 });
    expect([report.p50Ms, report.p99Ms]).toEqual([1_000, 1_000]);
    expect(report.dependencyRequests).toBe(3);
  });

  it('a timeout answer never comes: the timeout policy ends it, or the call stays unanswered', async () => {
    const trace: CallTrace = { calls: [{ atMs: 0, latencyMs: 5_000, outcome: 'timeout' }] };
    const bounded = await replay(trace, { timeout: { ms: 2_000 } });
    expect(bounded).toMatchObject({ calls: 1, succeeded: 0, failed: 1, timedOut: 1, unanswered: 0, p99Ms: 2_000 });
    const unbounded = await replay(trace, {});
    expect(unbounded).toMatchObject({ calls: 1, failed: 1, timedOut: 0, unanswered: 1 });
  });

  it('counts the time the breaker spent open', async () => {
    const calls: CallTrace['calls'] = [];
    for (let i = 0; i < 10; i++) calls.push({ atMs: i * 100, latencyMs: 10, outcome: 'failure' });
    for (let i = 0; i < 10; i++) calls.push({ atMs: 5_000 + i * 100, latencyMs: 10, outcome: 'success' });
    const report = await replay({ calls }, { breaker: { failureRateThreshold: 0.5, minimumCalls: 4, openMs: 2_000 } });
    // Opens on the 4th failure (at 310 ms), half-opens lazily at the first call after 2 s (5000 ms).
    expect(report.openMs).toBe(5_000 - 310);
    expect(report.rejected).toBe(6);
    expect(report.dependencyRequests).toBe(14);
  });
});

describe('replay: a day of traffic', () => {
  it('replays 86,400 calls (a day at 1 call/s) through every policy', async () => {
    const day = syntheticTrace({ seed: 3, durationMs: 86_400_000, callsPerSecond: 1, outage: { fromMs: 3_600_000, toMs: 4_200_000, timeoutShare: 0.5, failureLatencyMs: 20 } });
    const report = await replay(day, tuned, { random: seededRandom(1) });
    expect(report.calls).toBe(86_400);
    expect(report.outages).toEqual([{ fromMs: 3_600_000, toMs: 4_200_000 }]);
    expect(report.succeeded + report.failed).toBe(86_400);
    expect(report.unanswered).toBe(0);
    expect(report.succeeded).toBeGreaterThan(86_400 - 600 - 10);
  }, 60_000);
});

describe('replay: bad input', () => {
  const trace: CallTrace = { calls: [{ atMs: 0, latencyMs: 1, outcome: 'success' }] };
  it('names the setting and the reason', async () => {
    await expect(replay(trace, { retry: { maxAttempts: 0 } })).rejects.toThrow(/replay: retry\.maxAttempts/);
    await expect(replay(trace, { timeout: { ms: -1 } })).rejects.toThrow(/replay: timeout\.ms/);
    await expect(replay(trace, { breaker: { failureRateThreshold: 2, minimumCalls: 1, openMs: 1 } })).rejects.toThrow(/replay: breaker\.failureRateThreshold/);
  });
  it('refuses a trace out of time order, naming the call', async () => {
    const unordered: CallTrace = { calls: [{ atMs: 10, latencyMs: 1, outcome: 'success' }, { atMs: 5, latencyMs: 1, outcome: 'success' }] };
    await expect(replay(unordered, {})).rejects.toThrow(/trace\.calls\.1\.atMs/);
    await expect(replay({ calls: [{ atMs: 0, latencyMs: 1, outcome: 'slow' as 'success' }] }, {})).rejects.toThrow(/trace\.calls\.0\.outcome/);
  });
});
