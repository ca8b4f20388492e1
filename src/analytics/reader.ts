/**
 * Reads the recording back: a dependency's outcome counts and merged latency sketches over any
 * range, from the finest tier that still holds the range's start. A range is read in whole
 * buckets of that tier: from the bucket holding `fromMs` to the last bucket starting before
 * `toMs`, so its edges are those of the tier's buckets (10 s, then 5 min, with the defaults).
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { BucketRow, BucketStore } from './bucket-store.js';
import { bucketStore } from './bucket-store.js';
import { type Cell, mergeCell, newCell } from './cell.js';
import { type SketchOptions, encodedCountAbove, quantileOf, resolveSketchOptions } from './latency-sketch.js';
import { RECORDER_DEFAULTS, type RecordingTier, resolveTiers } from './options.js';
import type { Storage } from '../storage/types.js';
import type { OutcomeCounts } from './outcomes.js';

export interface RangeSummary extends Cell {
  dependency: string;
  /** The range actually read: whole buckets of `tierMs`. */
  fromMs: number;
  toMs: number;
  tierMs: number;
}

export interface ReaderOptions {
  /** The recorder's tiers (the same as it writes with). */
  tiers?: RecordingTier[];
  sketch?: SketchOptions;
  clock?: Clock;
}

export class AnalyticsReader {
  private readonly tiers: RecordingTier[];
  private readonly sketch: Required<SketchOptions>;
  private readonly clock: Clock;

  constructor(
    private readonly store: BucketStore,
    options: ReaderOptions = {},
  ) {
    this.tiers = resolveTiers('analyticsReader', options.tiers ?? RECORDER_DEFAULTS.tiers);
    this.sketch = resolveSketchOptions(options.sketch);
    this.clock = options.clock ?? systemClock;
  }

  /** The finest tier whose retention still covers `fromMs` (the coarsest when none does). */
  tierFor(fromMs: number): RecordingTier {
    const now = this.clock.now();
    return this.tiers.find((t) => now - t.keepMs <= fromMs) ?? this.tiers.at(-1)!;
  }

  /** Counts and merged sketches of `dependency` over [fromMs, toMs). */
  async summary(dependency: string, fromMs: number, toMs: number): Promise<RangeSummary> {
    const tier = this.tierFor(fromMs);
    const start = Math.floor(fromMs / tier.bucketMs) * tier.bucketMs;
    const rows = await this.store.read(tier.bucketMs, dependency, start, toMs);
    const cell = newCell(this.sketch);
    for (const row of rows) mergeCell(cell, row.cell);
    const end = rows.length > 0 ? Math.max(toMs, rows.at(-1)!.bucketStart + tier.bucketMs) : toMs;
    return { dependency, fromMs: start, toMs: end, tierMs: tier.bucketMs, ...cell };
  }

  /** Outcome counts only (summed in SQL, no sketch decoded) over the same whole buckets as `summary`. */
  async counts(dependency: string, fromMs: number, toMs: number): Promise<OutcomeCounts> {
    const tier = this.tierFor(fromMs);
    return this.store.sums(tier.bucketMs, dependency, Math.floor(fromMs / tier.bucketMs) * tier.bucketMs, toMs);
  }

  /**
   * Successful calls and those slower than `thresholdMs` (as `countAbove` counts them) over the
   * same whole buckets as `summary`, read from the stored bytes without building the sketches.
   */
  async latencyCounts(dependency: string, fromMs: number, toMs: number, thresholdMs: number): Promise<{ total: number; above: number }> {
    const tier = this.tierFor(fromMs);
    const rows = await this.store.successLatencies(tier.bucketMs, dependency, Math.floor(fromMs / tier.bucketMs) * tier.bucketMs, toMs);
    let total = 0;
    let above = 0;
    for (const bytes of rows) {
      const counts = encodedCountAbove(bytes, this.sketch, thresholdMs);
      total += counts.count;
      above += counts.above;
    }
    return { total, above };
  }

  /** The buckets of `dependency` over [fromMs, toMs) at `tierMs` (default: the tier `tierFor` picks). */
  async series(dependency: string, fromMs: number, toMs: number, tierMs?: number): Promise<BucketRow[]> {
    const bucketMs = tierMs ?? this.tierFor(fromMs).bucketMs;
    return this.store.read(bucketMs, dependency, Math.floor(fromMs / bucketMs) * bucketMs, toMs);
  }

  /** Dependencies with calls recorded over [fromMs, toMs). */
  async dependencies(fromMs: number, toMs: number): Promise<string[]> {
    const tier = this.tierFor(fromMs);
    return this.store.dependencies(tier.bucketMs, Math.floor(fromMs / tier.bucketMs) * tier.bucketMs, toMs);
  }
}

export async function analyticsReader(storage: Storage, options: ReaderOptions = {}): Promise<AnalyticsReader> {
  return new AnalyticsReader(await bucketStore(storage, resolveSketchOptions(options.sketch)), options);
}

/** Percentiles of a summary's successful calls, e.g. `latencyPercentiles(s, [0.5, 0.99])` -> { p50, p99 } (ms). */
export function latencyPercentiles(summary: Cell, quantiles: readonly number[], which: 'success' | 'failure' = 'success'): Record<string, number> {
  const sketch = which === 'success' ? summary.successLatency : summary.failureLatency;
  return Object.fromEntries(quantiles.map((q) => [`p${String(+(q * 100).toFixed(3))}`.replace('.', '_'), quantileOf(sketch, q)]));
}
