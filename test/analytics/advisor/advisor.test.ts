/**
 * The tuning advisor over a real recording (SQLite, ManualClock) and the real replay: a bad
 * setting is found and the replay shows the gain; a good one gets no recommendation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuningAdvisor } from '../../../src/analytics/advisor/advisor.js';
import { ADVISOR_DEFAULTS } from '../../../src/analytics/advisor/options.js';
import { configDiff, diffLines } from '../../../src/analytics/advisor/config-diff.js';
import type { PolicySettings } from '../../../src/analytics/replay/types.js';
import { recordedTraffic } from './recorded-traffic.js';

const dependency = 'binance:marketData';

describe('tuning advisor over a recorded outage', () => {
  let traffic: Awaited<ReturnType<typeof recordedTraffic>>;
  beforeAll(async () => {
    traffic = await recordedTraffic({ dependency, minutes: 40, perSecond: 2, medianMs: 40, baselineFailure: 0.005, outage: { fromMinute: 20, minutes: 5 }, recordedTimeoutMs: 10_000 });
  });
  afterAll(() => traffic.close());

  const bad: PolicySettings = {
    timeout: { ms: 10_000 },
    retry: { maxAttempts: 5, retryBudget: false },
    breaker: { failureRateThreshold: 0.5, minimumCalls: 20, openMs: 30_000 },
  };

  it('finds the bad timeout and the missing budget, and the replay shows each better', async () => {
    const advice = await tuningAdvisor({ reader: traffic.reader, current: bad }, { clock: traffic.clock }).advise({ sinceMs: traffic.startMs, untilMs: traffic.endMs, dependency });
    const timeout = advice.recommendations.find((r) => r.id === `timeout:${dependency}`)!;
    const retry = advice.recommendations.find((r) => r.id === `retry:${dependency}`)!;
    expect(timeout.status).toBe('recommended');
    const proposedMs = timeout.changes[0]!.to as number;
    expect(proposedMs).toBeLessThan(10_000);
    expect(proposedMs).toBeGreaterThan(advice.dependencies[0]!.p99_9Ms); // p99.9 x a margin
    // Better as better.ts defines it: callers' p99 and the outage's load cut, failures within the stated allowance.
    const t = timeout.replay!;
    expect(t.proposed.p99Ms).toBeLessThan(t.current.p99Ms * (1 - ADVISOR_DEFAULTS.minGain));
    expect(t.proposed.p99Ms).toBeLessThan(proposedMs);
    expect(t.current.p99Ms).toBeGreaterThanOrEqual(10_000); // callers hung on the outage
    expect(t.proposed.dependencyRequestsDuringOutages).toBeLessThan(t.current.dependencyRequestsDuringOutages);
    expect(t.proposed.failed - t.current.failed).toBeLessThanOrEqual(ADVISOR_DEFAULTS.maxExtraFailedShare * t.current.calls);

    expect(retry.status).toBe('recommended');
    expect(retry.changes.map((c) => c.option)).toContain('retry.retryBudget');
    const r = retry.replay!;
    expect(r.proposed.failed).toBeLessThanOrEqual(r.current.failed);
    expect(r.proposed.dependencyRequestsDuringOutages).toBeLessThan(r.current.dependencyRequestsDuringOutages * (1 - ADVISOR_DEFAULTS.minGain));

    expect(diffLines(configDiff(advice.recommendations))).toContain(`policies.timeout.ms: 10000 -> ${proposedMs}`);
  });

  it('gives a good setting no recommendation', async () => {
    const good: PolicySettings = {
      timeout: { ms: 200 },
      retry: { maxAttempts: 3, retryBudget: { ratio: 0.2, minRetriesPerSecond: 10 } },
      breaker: { failureRateThreshold: 0.25, minimumCalls: 20, openMs: 30_000 },
    };
    const advice = await tuningAdvisor({ reader: traffic.reader, current: good }, { clock: traffic.clock }).advise({ sinceMs: traffic.startMs, untilMs: traffic.endMs, dependency });
    expect(advice.recommendations.filter((r) => r.status === 'recommended')).toEqual([]);
    expect(advice.recommendations.filter((r) => r.dependency === dependency).map((r) => r.status)).toEqual(['keep', 'keep', 'keep']);
    expect(configDiff(advice.recommendations).entries).toEqual([]);
  });

  it('replays a window around the worst bucket when the range holds more calls than maxReplayCalls', async () => {
    const advice = await tuningAdvisor({ reader: traffic.reader, current: bad }, { clock: traffic.clock, maxReplayCalls: 1_200 }).advise({ sinceMs: traffic.startMs, untilMs: traffic.endMs, dependency });
    const evidence = advice.dependencies[0]!;
    expect(evidence.replayToMs! - evidence.replayFromMs!).toBe(((traffic.endMs - traffic.startMs) * 1_200) / evidence.calls);
    const outageFromMs = traffic.startMs + 20 * 60_000;
    expect(evidence.replayFromMs).toBeLessThanOrEqual(outageFromMs + 5 * 60_000);
    expect(evidence.replayToMs).toBeGreaterThanOrEqual(outageFromMs);
    const timeout = advice.recommendations.find((r) => r.id === `timeout:${dependency}`)!;
    expect(timeout.replay!.current.calls).toBeLessThanOrEqual(1_200 + 2 * 20); // whole buckets at the edges
    expect(timeout.replay!.current.outages.length).toBeGreaterThan(0);
  });

  it('keeps a proposal the replay does not find better out of the recommendations', async () => {
    const advice = await tuningAdvisor({ reader: traffic.reader, current: bad }, { clock: traffic.clock, maxExtraFailedShare: 0 }).advise({ sinceMs: traffic.startMs, untilMs: traffic.endMs, dependency });
    const timeout = advice.recommendations.find((r) => r.id === `timeout:${dependency}`)!;
    // With no extra failure allowed, the shorter timeout's few refusals after the outage rule it out.
    expect(timeout.replay!.proposed.failed).toBeGreaterThan(timeout.replay!.current.failed);
    expect(timeout.status).toBe('not-better');
    expect(configDiff(advice.recommendations).entries.map((e) => e.key)).not.toContain('policies.timeout.ms');
  });
});
