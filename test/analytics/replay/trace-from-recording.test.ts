/**
 * traceFromRecording over a real SQLite recording: calls recorded through the analytics recorder
 * come back as a trace with every bucket's counts exact and its percentiles within the sketch's
 * stated error of the recorded durations' own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { sqliteStorage, type SqliteStorage } from '../../../src/storage/sqlite.js';
import { AnalyticsReader, analyticsRecorder, type AnalyticsRecorder, type Outcome } from '../../../src/analytics/index.js';
import { traceFromRecording } from '../../../src/analytics/replay/trace-from-recording.js';
import { replay } from '../../../src/analytics/replay/replay.js';
import type { TraceCall } from '../../../src/analytics/replay/types.js';

const T0 = 1_700_000_000_000;
const DEPENDENCY = 'binance:orders';

/** The value at rank floor(q x (n - 1)), as the sketches read a quantile. */
function atRank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

describe('traceFromRecording', () => {
  let clock: ManualClock;
  let db: SqliteStorage;
  let recorder: AnalyticsRecorder;
  let reader: AnalyticsReader;
  const recorded: Array<{ atMs: number; outcome: Outcome; durationMs: number }> = [];

  beforeEach(async () => {
    clock = new ManualClock(T0);
    db = await sqliteStorage({ path: ':memory:', clock });
    recorder = analyticsRecorder({ storage: db, clock });
    await recorder.start();
    reader = new AnalyticsReader(await recorder.bucketStore(), { clock });
    recorded.length = 0;
    // Five minutes, three calls a second: lognormal successes, some failures and timeouts, a
    // minute of outage whose calls the recording's breaker partly refused.
    const random = seededRandom(11);
    const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    for (let second = 0; second < 300; second++) {
      for (let k = 0; k < 3; k++) {
        const outage = second >= 120 && second < 180;
        const draw = random();
        let outcome: Outcome = 'success';
        let durationMs = 40 * Math.exp(0.6 * gaussian());
        if (outage) {
          outcome = draw < 0.4 ? 'rejected' : draw < 0.7 ? 'timeout' : 'failure';
          durationMs = outcome === 'timeout' ? 2_000 : 5 + 10 * random();
        } else if (draw < 0.02) {
          outcome = 'failure';
          durationMs = 100 * random();
        }
        recorded.push({ atMs: clock.now(), outcome, durationMs });
        recorder.record(DEPENDENCY, outcome, outcome === 'rejected' ? undefined : durationMs);
      }
      await clock.advance(1_000);
    }
    await recorder.flush();
  });
  afterEach(async () => {
    await recorder.stop();
    await db.close();
  });

  it('keeps every bucket’s counts exactly', async () => {
    const trace = await traceFromRecording(reader, DEPENDENCY, T0, T0 + 300_000, { random: seededRandom(3) });
    expect(trace.calls).toHaveLength(900);
    expect(trace.latencyRelativeError).toBe(0.01);
    const key = (atMs: number, outcome: string): string => `${Math.floor(atMs / 10_000)}:${outcome}`;
    const tally = (items: Array<[number, string]>): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const [atMs, outcome] of items) counts.set(key(atMs, outcome), (counts.get(key(atMs, outcome)) ?? 0) + 1);
      return counts;
    };
    const replayedOutcome = (c: TraceCall): string => (c.observed === false ? 'rejected' : c.outcome);
    expect(tally(trace.calls.map((c) => [c.atMs, replayedOutcome(c)]))).toEqual(tally(recorded.map((r) => [r.atMs, r.outcome])));
    // In time order, every call within the range.
    expect(trace.calls.every((c, i) => i === 0 || c.atMs >= trace.calls[i - 1]!.atMs)).toBe(true);
    expect(trace.calls.every((c) => c.atMs >= T0 && c.atMs < T0 + 300_000)).toBe(true);
  });

  it('keeps the percentiles within the sketch error', async () => {
    const trace = await traceFromRecording(reader, DEPENDENCY, T0, T0 + 300_000, { random: seededRandom(3) });
    const error = trace.latencyRelativeError!;
    const observed = trace.calls.filter((c) => c.observed !== false);
    for (const [outcomes, q] of [
      [['success'], 0.5],
      [['success'], 0.9],
      [['success'], 0.99],
      [['success'], 0.999],
      [['failure', 'timeout'], 0.5],
      [['failure', 'timeout'], 0.99],
    ] as const) {
      const truth = atRank(
        recorded.filter((r) => (outcomes as readonly string[]).includes(r.outcome)).map((r) => r.durationMs),
        q,
      );
      const rebuilt = atRank(
        observed.filter((c) => (outcomes as readonly string[]).includes(c.outcome)).map((c) => c.latencyMs),
        q,
      );
      expect(Math.abs(rebuilt - truth) / truth, `${outcomes.join('+')} p${q * 100}`).toBeLessThanOrEqual(error + 1e-9);
    }
    // Timeouts are the failure sketch's slowest values: here the 2 s the recording waited.
    const timeouts = observed.filter((c) => c.outcome === 'timeout');
    expect(timeouts.every((c) => Math.abs(c.latencyMs - 2_000) / 2_000 <= error)).toBe(true);
  });

  it('gives refused calls the behaviour of the nearest observed call, and a stated timeout to timeouts', async () => {
    const trace = await traceFromRecording(reader, DEPENDENCY, T0, T0 + 300_000, { random: seededRandom(3), timeoutMs: 2_500 });
    const observed = trace.calls.filter((c) => c.observed !== false);
    expect(observed.filter((c) => c.outcome === 'timeout').every((c) => c.latencyMs === 2_500)).toBe(true);
    for (const [i, call] of trace.calls.entries()) {
      if (call.observed !== false) continue;
      const nearest = observed.reduce((best, c) => (Math.abs(c.atMs - call.atMs) < Math.abs(best.atMs - call.atMs) ? c : best));
      expect([call.outcome, call.latencyMs], `call ${i}`).toEqual([nearest.outcome, nearest.latencyMs]);
    }
  });

  it('is the same trace under the same seed, and replays', async () => {
    const first = await traceFromRecording(reader, DEPENDENCY, T0, T0 + 300_000, { random: seededRandom(5) });
    const again = await traceFromRecording(reader, DEPENDENCY, T0, T0 + 300_000, { random: seededRandom(5) });
    expect(again).toEqual(first);
    const report = await replay(first, { timeout: { ms: 1_000 } }, { random: seededRandom(1) });
    expect(report.calls).toBe(900);
    expect(report.outages).toEqual([{ fromMs: T0 + 120_000, toMs: T0 + 180_000 }]);
  });
});
