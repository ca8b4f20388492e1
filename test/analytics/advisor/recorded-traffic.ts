/**
 * A recorded dependency for the advisor's tests: real recorder, SQLite in memory, ManualClock.
 * Traffic at `perSecond` calls with lognormal latencies (median `medianMs`), a baseline share of
 * fast failures, and an outage during which every call times out after the recording's timeout.
 */
import { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { AnalyticsReader } from '../../../src/analytics/reader.js';
import { analyticsRecorder } from '../../../src/analytics/recorder.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import type { Storage } from '../../../src/storage/types.js';

export interface TrafficShape {
  dependency: string;
  minutes: number;
  perSecond: number;
  medianMs: number;
  baselineFailure: number;
  /** The outage: minutes from the start, and how long; calls in it time out after `recordedTimeoutMs`. */
  outage?: { fromMinute: number; minutes: number };
  recordedTimeoutMs: number;
  /** A SQLite file instead of memory (the CLI reads it). */
  path?: string;
  /** Another storage (PostgreSQL), opened on the traffic's clock; closed with the traffic. */
  storage?: (clock: ManualClock) => Promise<Storage>;
}

export async function recordedTraffic(shape: TrafficShape) {
  const startMs = Date.UTC(2026, 0, 1);
  const clock = new ManualClock(startMs);
  const db = shape.storage ? await shape.storage(clock) : await sqliteStorage({ path: shape.path ?? ':memory:', clock });
  const recorder = analyticsRecorder({ storage: db, clock });
  await recorder.start();
  const random = seededRandom(42);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const stepMs = 10_000;
  const perStep = (shape.perSecond * stepMs) / 1000;
  for (let t = 0; t < shape.minutes * 60_000; t += stepMs) {
    const minute = t / 60_000;
    const down = shape.outage !== undefined && minute >= shape.outage.fromMinute && minute < shape.outage.fromMinute + shape.outage.minutes;
    for (let i = 0; i < perStep; i++) {
      if (down) recorder.record(shape.dependency, 'timeout', shape.recordedTimeoutMs);
      else if (random() < shape.baselineFailure) recorder.record(shape.dependency, 'failure', shape.medianMs / 2);
      else recorder.record(shape.dependency, 'success', shape.medianMs * Math.exp(0.35 * normal()));
    }
    await clock.advance(stepMs);
  }
  await recorder.flush();
  const reader = new AnalyticsReader(await recorder.bucketStore(), { clock });
  return {
    clock,
    reader,
    startMs,
    endMs: clock.now(),
    async close() {
      await recorder.stop();
      await db.close();
    },
  };
}
