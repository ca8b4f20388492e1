/**
 * The feeds and the monitor on ManualClock: the recording's buckets (real SQLite) give one p99 and
 * one error-rate point per complete bucket with enough calls; a counter's increase gives a rate;
 * the monitor polls them into the detector and reports a failing feed without stopping the others.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry, Counter } from 'prom-client';
import { ManualClock } from '../../../src/core/clock.js';
import { sqliteStorage, type SqliteStorage } from '../../../src/storage/sqlite.js';
import { registrySource } from '../../../src/observe/alerts/source.js';
import { AnalyticsReader, analyticsRecorder, anomalyDetector, anomalyMonitor, counterRateFeed, recordedFeed, type AnalyticsRecorder } from '../../../src/analytics/index.js';

const START = 1_700_000_000_000;

describe('anomaly feeds', () => {
  let clock: ManualClock;
  let db: SqliteStorage;
  let recorder: AnalyticsRecorder;
  let reader: AnalyticsReader;

  beforeEach(async () => {
    clock = new ManualClock(START);
    db = await sqliteStorage({ path: ':memory:', clock });
    recorder = analyticsRecorder({ storage: db, clock });
    await recorder.start();
    reader = new AnalyticsReader(await recorder.bucketStore(), { clock });
  });
  afterEach(async () => {
    await recorder.stop();
    await db.close();
  });

  it('reads the p99 latency and the error rate of each complete bucket of the recording', async () => {
    // Bucket 1: 100 calls, 2 failures, latencies 1..98 ms and two of 500 ms. Bucket 2: 3 calls only.
    for (let i = 1; i <= 98; i++) recorder.record('binance:orders', 'success', i);
    recorder.record('binance:orders', 'timeout', 500);
    recorder.record('binance:orders', 'failure', 500);
    recorder.record('binance:orders', 'rejected');
    await clock.advance(10_000);
    for (let i = 0; i < 3; i++) recorder.record('binance:orders', 'failure', 10);
    await clock.advance(10_000);
    await recorder.flush();
    const firstBucket = Math.floor(START / 10_000) * 10_000;
    const latency = recordedFeed(reader, 'binance:orders', 'latency', { backfillMs: 60_000 });
    const errors = recordedFeed(reader, 'binance:orders', 'error-rate', { backfillMs: 60_000 });
    // Now the second bucket has ended but is not past the lag: only the first is read.
    const p99 = await latency.poll(clock.now() + 10_000);
    expect(p99).toHaveLength(1);
    expect(p99[0]!.atMs).toBe(firstBucket);
    expect(p99[0]!.value).toBeGreaterThan(96 * 0.98);
    expect(p99[0]!.value).toBeLessThan(98 * 1.02);
    // 2 of the 100 calls that ran; the refusal is not counted; the 3-call bucket is under minCalls.
    expect(await errors.poll(clock.now() + 20_000)).toEqual([{ atMs: firstBucket, value: 0.02 }]);
    // A poll reads only what is new.
    expect(await latency.poll(clock.now() + 20_000)).toEqual([]);
  });

  it('with no backfill, starts at the first poll and reads each bucket once it is complete', async () => {
    const feed = recordedFeed(reader, 'binance:orders', 'error-rate', { backfillMs: 0 });
    expect(await feed.poll(clock.now())).toEqual([]);
    const bucket = Math.floor((clock.now() - 10_000) / 10_000) * 10_000 + 10_000;
    await clock.advance(bucket + 10_000 - clock.now()); // into the bucket after the first poll's
    for (let i = 0; i < 10; i++) recorder.record('binance:orders', i < 5 ? 'failure' : 'success', 5);
    await clock.advance(20_000);
    await recorder.flush();
    expect(await feed.poll(clock.now())).toEqual([{ atMs: bucket + 10_000, value: 0.5 }]);
  });

  it("turns a counter's increase into a per-second rate", async () => {
    const registry = new Registry();
    const orders = new Counter({ name: 'bulwark_orders_total', help: 'orders', labelNames: ['exchange', 'outcome'], registers: [registry] });
    const feed = counterRateFeed(registrySource(registry), 'bulwark_orders_total', { outcome: 'placed' });
    orders.inc({ exchange: 'binance', outcome: 'placed' }, 5);
    expect(await feed.poll(START)).toEqual([]);
    orders.inc({ exchange: 'binance', outcome: 'placed' }, 20);
    orders.inc({ exchange: 'binance', outcome: 'rejected' }, 100);
    expect(await feed.poll(START + 10_000)).toEqual([{ atMs: START + 10_000, value: 2 }]);
    registry.resetMetrics(); // a restarted counter
    orders.inc({ exchange: 'binance', outcome: 'placed' }, 4);
    expect(await feed.poll(START + 20_000)).toEqual([{ atMs: START + 20_000, value: 0.4 }]);
  });

  it('polls each feed into the detector on its period; a failing feed is reported and the others go on', async () => {
    const detector = anomalyDetector({ clock, seasonality: 'none' });
    let value = 0;
    const monitor = anomalyMonitor({
      detector,
      series: [
        { spec: { name: 'broken', kind: 'order-rate' }, feed: { poll: () => Promise.reject(new Error('registry gone')) } },
        { spec: { name: 'steady', kind: 'order-rate' }, feed: { poll: (now) => Promise.resolve([{ atMs: now, value: (value += 1) }]) } },
      ],
    });
    const failures: string[] = [];
    monitor.on('pollFailed', ({ series, error }) => failures.push(`${series}: ${(error as Error).message}`));
    monitor.start();
    await clock.advance(30_000);
    monitor.stop();
    await clock.advance(30_000);
    expect(failures).toEqual(['broken: registry gone', 'broken: registry gone', 'broken: registry gone']);
    expect(detector.status('steady')).toMatchObject({ state: 'warm-up', observed: 3, atMs: START + 30_000 });
  });
});
