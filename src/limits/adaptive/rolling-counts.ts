import type { Clock } from '../../core/clock.js';

/**
 * Counters summed over a rolling window, kept in fixed buckets: `windowMs / bucketMs` buckets,
 * each holding one value per counter. Adding and summing are O(buckets) at worst and allocate
 * nothing; a bucket is cleared lazily when time comes back round to it.
 */
export class RollingCounts {
  private readonly buckets: number;
  private readonly values: Float64Array;
  private readonly stamps: Float64Array;

  constructor(
    private readonly clock: Clock,
    windowMs: number,
    private readonly bucketMs: number,
    private readonly counters: number,
  ) {
    this.buckets = Math.max(1, Math.ceil(windowMs / bucketMs));
    this.values = new Float64Array(this.buckets * counters);
    this.stamps = new Float64Array(this.buckets).fill(-1);
  }

  /** Adds `n` to counter `index` in the current bucket. */
  add(index: number, n = 1): void {
    const epoch = Math.floor(this.clock.now() / this.bucketMs);
    const slot = epoch % this.buckets;
    if (this.stamps[slot] !== epoch) {
      this.stamps[slot] = epoch;
      this.values.fill(0, slot * this.counters, (slot + 1) * this.counters);
    }
    this.values[slot * this.counters + index] = (this.values[slot * this.counters + index] ?? 0) + n;
  }

  /** Sum of counter `index` over the buckets still inside the window. */
  sum(index: number): number {
    const epoch = Math.floor(this.clock.now() / this.bucketMs);
    let total = 0;
    for (let slot = 0; slot < this.buckets; slot++) {
      const stamp = this.stamps[slot] ?? -1;
      if (stamp >= 0 && epoch - stamp < this.buckets) total += this.values[slot * this.counters + index] ?? 0;
    }
    return total;
  }
}
