/**
 * The tuning advisor over a recording in a real PostgreSQL (schema fo_advisor): the bad timeout
 * and the missing retry budget are found and replayed better, as over SQLite.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tuningAdvisor } from '../../src/analytics/advisor/advisor.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { recordedTraffic } from '../analytics/advisor/recorded-traffic.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger } from '../storage/helpers.js';
import { dropSchema, probePostgres } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);
const schema = 'fo_advisor';
const dependency = 'binance:marketData';

describeWith(available, 'tuning advisor on a real PostgreSQL', () => {
  let traffic: Awaited<ReturnType<typeof recordedTraffic>>;
  beforeAll(async () => {
    await dropSchema(schema);
    traffic = await recordedTraffic({
      dependency,
      minutes: 40,
      perSecond: 2,
      medianMs: 40,
      baselineFailure: 0.005,
      outage: { fromMinute: 20, minutes: 5 },
      recordedTimeoutMs: 10_000,
      storage: (clock) => postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger(), clock }),
    });
  });
  afterAll(async () => {
    await traffic?.close();
    await dropSchema(schema);
  });

  it('recommends the shorter timeout and a retry budget, each replayed better', async () => {
    const advice = await tuningAdvisor({ reader: traffic.reader, current: { timeout: { ms: 10_000 }, retry: { maxAttempts: 5 }, breaker: { failureRateThreshold: 0.5, minimumCalls: 20, openMs: 30_000 } } }, { clock: traffic.clock }).advise({ sinceMs: traffic.startMs, untilMs: traffic.endMs });
    expect(advice.dependencies.map((d) => [d.dependency, d.calls])).toEqual([[dependency, 4_800]]);
    const recommended = advice.recommendations.filter((r) => r.status === 'recommended');
    expect(recommended.map((r) => r.id).sort()).toEqual([`retry:${dependency}`, `timeout:${dependency}`]);
    const timeout = recommended.find((r) => r.rule === 'timeout')!;
    expect(timeout.replay!.proposed.p99Ms).toBeLessThan(timeout.replay!.current.p99Ms);
  });
});
