/**
 * Hystrix-style live figures for one dependency behind a breaker: request rate, error %, p50/p99
 * latency over a rolling window of one-second buckets, the breaker's state, and saturation when a
 * bulkhead or limiter guards the same dependency. The dashboard's dependency tiles read these.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { Unsubscribe } from '../core/events.js';
import { checkInteger, checkNumber } from '../core/option-checks.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import type { DependencyTile } from './views.js';
export type { DependencyTile } from './views.js';

export interface DependencyTileOptions {
  /** Shown on the tile; the breaker's name when omitted. */
  name?: string;
  clock?: Clock;
  /** Rolling window; 10 s as Hystrix's dashboard, long enough to smooth and short enough to react. */
  windowMs?: number;
  /** Bucket width; one second gives a rate per second without sub-second noise. */
  bucketMs?: number;
  /** Latency samples kept per bucket for percentiles; 200 keeps memory flat at any call rate. */
  samplesPerBucket?: number;
  /** Share of capacity in use (0-1), e.g. a bulkhead's executing/maxConcurrent; none by default. */
  saturation?: () => number;
}

export const DEPENDENCY_TILE_DEFAULTS = {
  clock: systemClock as Clock,
  windowMs: 10_000,
  bucketMs: 1_000,
  samplesPerBucket: 200,
  saturation: undefined as (() => number) | undefined,
};


interface Bucket {
  start: number;
  ok: number;
  failed: number;
  rejected: number;
  samples: number[];
  seen: number;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? null;
}

export class DependencyStats {
  readonly name: string;
  private readonly o: typeof DEPENDENCY_TILE_DEFAULTS;
  private readonly buckets: Bucket[] = [];
  private readonly unbind: Unsubscribe[];

  constructor(
    private readonly breaker: CircuitBreaker,
    options: DependencyTileOptions = {},
  ) {
    this.o = { ...DEPENDENCY_TILE_DEFAULTS, ...options };
    checkNumber('dependencyStats', 'windowMs', this.o.windowMs, 0, Infinity, true);
    checkNumber('dependencyStats', 'bucketMs', this.o.bucketMs, 0, Infinity, true);
    checkInteger('dependencyStats', 'samplesPerBucket', this.o.samplesPerBucket, 1);
    if (this.o.windowMs < this.o.bucketMs) throw new RangeError(`dependencyStats: windowMs must be >= bucketMs (${this.o.bucketMs}), got ${this.o.windowMs}`);
    this.name = options.name ?? breaker.name ?? 'dependency';
    this.unbind = [
      breaker.on('success', ({ durationMs }) => this.record('ok', durationMs)),
      breaker.on('failure', ({ durationMs }) => this.record('failed', durationMs)),
      breaker.on('rejected', () => this.record('rejected', undefined)),
    ];
  }

  private current(): Bucket {
    const now = this.o.clock.now();
    const start = now - (now % this.o.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.start === start) return last;
    const bucket: Bucket = { start, ok: 0, failed: 0, rejected: 0, samples: [], seen: 0 };
    this.buckets.push(bucket);
    this.prune(now);
    return bucket;
  }

  private prune(now: number): void {
    while (this.buckets.length > 0 && this.buckets[0]!.start <= now - this.o.windowMs) this.buckets.shift();
  }

  private record(kind: 'ok' | 'failed' | 'rejected', durationMs: number | undefined): void {
    const bucket = this.current();
    bucket[kind]++;
    if (durationMs === undefined) return;
    // A ring of the bucket's latest latencies: fixed memory whatever the call rate.
    if (bucket.samples.length < this.o.samplesPerBucket) bucket.samples.push(durationMs);
    else bucket.samples[bucket.seen % this.o.samplesPerBucket] = durationMs;
    bucket.seen++;
  }

  tile(): DependencyTile {
    this.prune(this.o.clock.now());
    let ok = 0;
    let failed = 0;
    let rejected = 0;
    const samples: number[] = [];
    for (const b of this.buckets) {
      ok += b.ok;
      failed += b.failed;
      rejected += b.rejected;
      samples.push(...b.samples);
    }
    samples.sort((a, b) => a - b);
    const calls = ok + failed + rejected;
    const saturation = this.o.saturation ? this.o.saturation() : null;
    return {
      name: this.name,
      state: this.breaker.state,
      requestRate: calls / (this.o.windowMs / 1_000),
      errorPercent: calls === 0 ? 0 : ((failed + rejected) / calls) * 100,
      calls,
      failures: failed,
      rejected,
      p50Ms: percentile(samples, 0.5),
      p99Ms: percentile(samples, 0.99),
      saturation,
    };
  }

  close(): void {
    for (const u of this.unbind) u();
  }
}

/** Rolling figures for a breaker's dependency; `close()` stops listening. */
export function dependencyStats(breaker: CircuitBreaker, options?: DependencyTileOptions): DependencyStats {
  return new DependencyStats(breaker, options);
}
