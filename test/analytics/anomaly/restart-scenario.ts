/**
 * A detector that learns a daily pattern, stops, and starts again over the same storage, on a
 * ManualClock with seeded noise. Shared by the SQLite test and the PostgreSQL one.
 *
 * The pattern: orders at 1/s, except from 14:00 to 15:00 UTC (a session opening) at 3/s.
 */
import { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import type { Storage } from '../../../src/storage/types.js';
import { anomalyDetector, anomalyProfileKeeper, profileStore, type AnomalyDetector, type AnomalyDetectorOptions, type AnomalyProfileKeeper, type SeriesStatus } from '../../../src/analytics/index.js';

export const STEP_MS = 30_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const START = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
export const SERIES = 'orders placed';
/** 60 points of history at 30 s: the detector's 30 minutes. */
export const DETECTOR_OPTIONS: AnomalyDetectorOptions = { historyMs: 30 * 60_000, minSamples: 30 };

/** Normal-ish noise from a seeded generator: the sum of four uniforms, centred, scaled to `sd`. */
export function noise(random: () => number, sd: number): number {
  return (random() + random() + random() + random() - 2) * sd * Math.sqrt(3);
}

export const dailyPattern = (atMs: number): number => (new Date(atMs).getUTCHours() === 14 ? 3 : 1);

/** A process: a detector with the orders series and its keeper over `storage`, started as the service starts it. */
export async function startProcess(storage: Storage, clock: ManualClock, instance = 'bot-1', options: AnomalyDetectorOptions = {}): Promise<{ detector: AnomalyDetector; keeper: AnomalyProfileKeeper }> {
  const detector = anomalyDetector({ ...DETECTOR_OPTIONS, ...options, clock });
  const keeper = anomalyProfileKeeper({ detector, storage, instance });
  await keeper.start(); // reads the profile back before the series exists, as the service does
  detector.add({ name: SERIES, kind: 'order-rate' });
  return { detector, keeper };
}

/** Feeds `value(t)` + noise every STEP_MS from the clock's time until `untilMs`, moving the clock (the keeper saves on its timer). */
export async function feed(detector: AnomalyDetector, clock: ManualClock, untilMs: number, random: () => number, value: (atMs: number) => number = dailyPattern): Promise<void> {
  while (clock.now() < untilMs) {
    detector.observe(SERIES, { atMs: clock.now(), value: value(clock.now()) + noise(random, 0.08) });
    await clock.advance(STEP_MS);
  }
}

/**
 * From the clock's time (13:30 on day 4) to 14:00 at the flat 1/s (the history a restarted service
 * reads back from the recording), then five minutes of the opening at 3/s: their verdicts.
 */
export async function openingAfterRestart(detector: AnomalyDetector, clock: ManualClock, random: () => number): Promise<SeriesStatus[]> {
  const opening = START + 3 * DAY_MS + 14 * HOUR_MS;
  await feed(detector, clock, opening, random);
  const verdicts: SeriesStatus[] = [];
  while (clock.now() < opening + 5 * 60_000) {
    verdicts.push(detector.observe(SERIES, { atMs: clock.now(), value: 3 + noise(random, 0.08) }));
    await clock.advance(STEP_MS);
  }
  return verdicts;
}

/**
 * Learns three days (Monday to Wednesday) in one process and stops it; then a process started
 * again on day 4 and a fresh one without a stored profile (another instance) both see the
 * opening. Returns both processes' verdicts on it.
 */
export async function learnStopRestart(open: () => Promise<Storage>, close: (storage: Storage) => Promise<void>): Promise<{ restarted: SeriesStatus[]; fresh: SeriesStatus[]; loaded: number; freshLoaded: number; rows: number }> {
  const random = seededRandom(41);
  const clock = new ManualClock(START);
  let storage = await open();
  const first = await startProcess(storage, clock);
  await feed(first.detector, clock, START + 3 * DAY_MS, random);
  await first.keeper.stop();
  await close(storage);

  // The process is down until 13:30 on day 4.
  await clock.advance(13.5 * HOUR_MS);
  storage = await open();
  const again = await startProcess(storage, clock);
  const fresh = await startProcess(storage, new ManualClock(clock.now()), 'bot-2');
  const freshClock = fresh.detector.clock as ManualClock;
  const restarted = await openingAfterRestart(again.detector, clock, seededRandom(42));
  const freshVerdicts = await openingAfterRestart(fresh.detector, freshClock, seededRandom(42));
  await again.keeper.stop();
  await fresh.keeper.stop();
  const rows = await (await profileStore(storage)).rowCount('bot-1');
  await close(storage);
  return { restarted, fresh: freshVerdicts, loaded: again.keeper.stats().loaded, freshLoaded: fresh.keeper.stats().loaded, rows };
}
