import type { Outcome, OutcomeWindow, Thresholds, TimeWindowSnapshot, TripReason, WindowSnapshot, WindowTotals } from './window.js';
import { FAILED, SLOW, judgeRates } from './window.js';

/** Buckets per time window: the window slides in steps of a tenth of its length. */
export const TIME_BUCKETS = 10;

/**
 * The calls of the last `ms`, in a fixed ring of 10 buckets of `ms / 10` each, with running
 * totals. Time is bucketed as floor(now / bucketMs); the window holds the current bucket and the
 * nine before it, so a call counts for at least 0.9 x ms and at most ms. Buckets that fall out of
 * the window are subtracted lazily, when a call is recorded or the totals are read: an idle
 * window costs nothing and no timer runs. Recording is O(1) (at most 10 buckets to expire).
 */
export class TimeWindow implements OutcomeWindow {
  private readonly bucketMs: number;
  private readonly calls = new Float64Array(TIME_BUCKETS);
  private readonly failures = new Float64Array(TIME_BUCKETS);
  private readonly slowCalls = new Float64Array(TIME_BUCKETS);
  /** Index in the ring of the newest bucket. */
  private head = 0;
  /** floor(time / bucketMs) of the newest bucket. */
  private headEpoch = -Infinity;
  private totalCalls = 0;
  private totalFailures = 0;
  private totalSlow = 0;

  constructor(
    private readonly ms: number,
    private readonly thresholds: Thresholds,
  ) {
    this.bucketMs = ms / TIME_BUCKETS;
  }

  /** Moves the head to `now`'s bucket, emptying the buckets that fell out on the way. */
  private advance(now: number): void {
    const epoch = Math.floor(now / this.bucketMs);
    const gap = epoch - this.headEpoch;
    // A clock that steps back records into the newest bucket rather than rewriting history.
    if (!(gap > 0)) return;
    if (gap >= TIME_BUCKETS) {
      this.clear();
    } else {
      for (let k = 0; k < gap; k++) {
        const i = this.head + 1 === TIME_BUCKETS ? 0 : this.head + 1;
        this.totalCalls -= this.calls[i] as number;
        this.totalFailures -= this.failures[i] as number;
        this.totalSlow -= this.slowCalls[i] as number;
        this.calls[i] = this.failures[i] = this.slowCalls[i] = 0;
        this.head = i;
      }
    }
    this.headEpoch = epoch;
  }

  record(outcome: Outcome, now: number): TripReason | undefined {
    this.advance(now);
    const i = this.head;
    this.calls[i] = (this.calls[i] as number) + 1;
    this.totalCalls++;
    if (outcome & FAILED) {
      this.failures[i] = (this.failures[i] as number) + 1;
      this.totalFailures++;
    }
    if (outcome & SLOW) {
      this.slowCalls[i] = (this.slowCalls[i] as number) + 1;
      this.totalSlow++;
    }
    return judgeRates(this.totalCalls, this.totalFailures, this.totalSlow, this.thresholds, this.thresholds.minimumCalls);
  }

  totals(now: number): WindowTotals {
    this.advance(now);
    return { calls: this.totalCalls, failures: this.totalFailures, slowCalls: this.totalSlow };
  }

  clear(): void {
    this.calls.fill(0);
    this.failures.fill(0);
    this.slowCalls.fill(0);
    this.totalCalls = this.totalFailures = this.totalSlow = 0;
  }

  snapshot(now: number): TimeWindowSnapshot {
    this.advance(now);
    const calls: number[] = [];
    const failures: number[] = [];
    const slowCalls: number[] = [];
    for (let k = 1; k <= TIME_BUCKETS; k++) {
      const i = (this.head + k) % TIME_BUCKETS;
      calls.push(this.calls[i] as number);
      failures.push(this.failures[i] as number);
      slowCalls.push(this.slowCalls[i] as number);
    }
    return { kind: 'time', ms: this.ms, epoch: Number.isFinite(this.headEpoch) ? this.headEpoch : Math.floor(now / this.bucketMs), calls, failures, slowCalls };
  }

  restore(snapshot: WindowSnapshot): void {
    if (snapshot.kind !== 'time' || snapshot.ms !== this.ms) return;
    this.clear();
    this.head = TIME_BUCKETS - 1;
    this.headEpoch = snapshot.epoch;
    for (let i = 0; i < TIME_BUCKETS; i++) {
      this.calls[i] = snapshot.calls[i] ?? 0;
      this.failures[i] = snapshot.failures[i] ?? 0;
      this.slowCalls[i] = snapshot.slowCalls[i] ?? 0;
      this.totalCalls += this.calls[i] as number;
      this.totalFailures += this.failures[i] as number;
      this.totalSlow += this.slowCalls[i] as number;
    }
  }
}
