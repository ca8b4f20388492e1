/**
 * The analytics recording and incidents on a real PostgreSQL (schema fo_analytics): sketches
 * through BYTEA, two instances writing the same dependency without racing, pruning, incidents
 * and their MTBF/MTTR, and an SLO's status.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { postgresStorage, type PostgresStorage } from '../../src/storage/postgres.js';
import { AnalyticsReader, analyticsRecorder, incidentLog, latencyPercentiles, reliability, sloEvaluator } from '../../src/analytics/index.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger } from '../storage/helpers.js';
import { dropSchema, probePostgres } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);
const schema = 'fo_analytics';

describeWith(available, 'analytics on a real PostgreSQL', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let db: PostgresStorage;

  beforeAll(async () => {
    await dropSchema(schema);
    db = await postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger(), clock });
  });
  afterAll(async () => {
    await db?.close();
    await dropSchema(schema);
  });

  it('merges two instances’ rows of one dependency, sketches included, and prunes past retention', async () => {
    const tiers = [
      { bucketMs: 10_000, keepMs: 60_000 },
      { bucketMs: 60_000, keepMs: 600_000 },
    ];
    const a = analyticsRecorder({ storage: db, tiers, clock, instance: 'a' });
    const b = analyticsRecorder({ storage: db, tiers, clock, instance: 'b' });
    for (let i = 1; i <= 100; i++) (i % 2 ? a : b).record('binance', i <= 95 ? 'success' : 'timeout', i);
    await Promise.all([a.flush(), b.flush()]);
    b.record('binance', 'rejected');
    await b.flush();
    const reader = new AnalyticsReader(await a.bucketStore(), { tiers, clock });
    const summary = await reader.summary('binance', clock.now() - 5_000, clock.now() + 1);
    expect(summary.counts).toEqual({ success: 95, failure: 0, timeout: 5, rejected: 1 });
    const p = latencyPercentiles(summary, [0.5, 1]);
    expect(Math.abs(p.p50! - 48) / 48).toBeLessThanOrEqual(0.01); // rank floor(0.5 * 94) of 1..95
    expect(Math.abs(p.p100! - 95) / 95).toBeLessThanOrEqual(0.01);
    await clock.advance(70_000);
    expect(await a.prune()).toEqual({ 10_000: 2, 60_000: 0 });
  });

  it('keeps incidents and reads MTBF/MTTR from them', async () => {
    const log = await incidentLog({ storage: db, clock });
    const from = clock.now();
    log.begin('breaker-open', 'db', 'failure-rate');
    await clock.advance(30_000);
    log.end('breaker-open', 'db', 'half-open-succeeded');
    await clock.advance(570_000);
    await log.flush();
    expect(await reliability(log, 'db', from, clock.now())).toMatchObject({ failures: 1, downtimeMs: 30_000, mttrMs: 30_000, mtbfMs: 570_000 });
  });

  it("reads an SLO's status from the recording", async () => {
    const recorder = analyticsRecorder({ storage: db, clock, instance: 'slo' });
    for (let i = 0; i < 1_000; i++) recorder.record('orders', i < 5 ? 'failure' : 'success', 10);
    await recorder.flush();
    const slos = sloEvaluator({
      reader: new AnalyticsReader(await recorder.bucketStore(), { clock }),
      slos: [{ name: 'orders-available', dependency: 'orders', kind: 'availability', objectivePercent: 99 }],
      clock,
    });
    await clock.advance(1);
    const [status] = await slos.statuses();
    expect(status).toMatchObject({ totalCalls: 1_000, badCalls: 5, budgetRemainingRatio: 0.5 });
    expect(status!.burnRates['5m']).toBeCloseTo(0.5, 9);
  });
});
