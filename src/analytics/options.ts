/**
 * The recorder's options and their defaults, written once. Retention is per tier: a tier keeps
 * buckets of `bucketMs` for `keepMs`. The size bound follows: per dependency and instance at most
 * keepMs / bucketMs rows per tier (a bucket with no call writes no row), and at most
 * `maxDependencies` dependencies per instance.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { checkInteger, checkNonEmptyString, checkNumber } from '../core/option-checks.js';
import type { Storage } from '../storage/types.js';
import { type SketchOptions, resolveSketchOptions } from './latency-sketch.js';

export interface RecordingTier {
  /** Width of a bucket (ms). */
  bucketMs: number;
  /** How long the tier's buckets are kept (ms); the pruning duty deletes older ones. */
  keepMs: number;
}

export interface RecorderOptions {
  /** Where the buckets go (SQLite or PostgreSQL); the recorder applies its migration. */
  storage: Storage;
  /** This process's name among the writers sharing the storage; each writes only its own rows. */
  instance?: string;
  /** Resolutions, finest first: each bucketMs a multiple of the previous one, each keepMs longer. */
  tiers?: RecordingTier[];
  sketch?: SketchOptions;
  /** How often buffered buckets are written. */
  flushEveryMs?: number;
  /** How often the pruning duty deletes buckets past their tier's retention. */
  pruneEveryMs?: number;
  /** Distinct dependency names recorded; later names are recorded as `other`. */
  maxDependencies?: number;
  /** Buffered rows per tier while the storage fails; past it the oldest are dropped and reported. */
  maxPendingRows?: number;
  clock?: Clock;
}

const DAY_MS = 86_400_000;

export const RECORDER_DEFAULTS = {
  instance: 'local', // one process: a fleet gives each its own name
  tiers: [
    { bucketMs: 10_000, keepMs: DAY_MS }, // 10 s for a day: the fast burn-rate windows (5 m) and a day's incidents
    { bucketMs: 300_000, keepMs: 30 * DAY_MS }, // 5 min for a month: the longest SLO window (30 d)
  ] as RecordingTier[],
  sketch: {} as SketchOptions, // SKETCH_DEFAULTS: 1% relative error
  flushEveryMs: 10_000, // one bucket of the finest tier: the store lags the calls by at most this
  pruneEveryMs: 3_600_000, // hourly: rows past retention linger at most an hour
  maxDependencies: 200, // as the metrics' label cap: real fleets of dependencies fit
  maxPendingRows: 10_000, // ~1 h of 10 s buckets for 25 dependencies while the storage is down
  clock: systemClock as Clock, // wall time
};

export type ResolvedRecorderOptions = Required<Omit<RecorderOptions, 'sketch'>> & { sketch: ReturnType<typeof resolveSketchOptions> };

export function resolveTiers(component: string, tiers: readonly RecordingTier[]): RecordingTier[] {
  if (!Array.isArray(tiers) || tiers.length === 0) throw new RangeError(`${component}: tiers needs at least one tier, got ${JSON.stringify(tiers)}`);
  tiers.forEach((tier, i) => {
    checkInteger(component, `tiers[${i}].bucketMs`, tier.bucketMs, 1);
    checkInteger(component, `tiers[${i}].keepMs`, tier.keepMs, tier.bucketMs);
    const previous = tiers[i - 1];
    if (previous && (tier.bucketMs % previous.bucketMs !== 0 || tier.bucketMs <= previous.bucketMs)) {
      throw new RangeError(`${component}: tiers[${i}].bucketMs needs to be a multiple of tiers[${i - 1}].bucketMs (${previous.bucketMs}) and larger, got ${tier.bucketMs}`);
    }
    if (previous && tier.keepMs <= previous.keepMs) {
      throw new RangeError(`${component}: tiers[${i}].keepMs needs to be longer than tiers[${i - 1}].keepMs (${previous.keepMs}), got ${tier.keepMs}`);
    }
  });
  return tiers.map((t) => ({ bucketMs: t.bucketMs, keepMs: t.keepMs }));
}

export function resolveRecorderOptions(options: RecorderOptions): ResolvedRecorderOptions {
  if (!options?.storage) throw new TypeError('analyticsRecorder: storage is required (a Storage from bulwark/storage)');
  const o = { ...RECORDER_DEFAULTS, ...options };
  checkNonEmptyString('analyticsRecorder', 'instance', o.instance);
  checkNumber('analyticsRecorder', 'flushEveryMs', o.flushEveryMs, 0, Infinity, true);
  checkNumber('analyticsRecorder', 'pruneEveryMs', o.pruneEveryMs, 0, Infinity, true);
  checkInteger('analyticsRecorder', 'maxDependencies', o.maxDependencies, 1);
  checkInteger('analyticsRecorder', 'maxPendingRows', o.maxPendingRows, 1);
  return { ...o, tiers: resolveTiers('analyticsRecorder', o.tiers), sketch: resolveSketchOptions(o.sketch) };
}
