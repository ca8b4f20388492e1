import type { CountWindowSnapshot, Outcome, OutcomeWindow, Thresholds, TripReason, WindowSnapshot, WindowTotals } from './window.js';
import { FAILED, SLOW, judgeRates } from './window.js';

/**
 * The last `size` calls, in a ring buffer of one byte per call with running totals: recording
 * overwrites the oldest outcome and adjusts the totals, so it costs the same for 100 calls or
 * 10 million. `minimumCalls` above `size` is capped at `size`, or the window could never judge.
 */
export class CountWindow implements OutcomeWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  private filled = 0;
  private failures = 0;
  private slowCalls = 0;
  private readonly minimumCalls: number;

  constructor(
    private readonly size: number,
    private readonly thresholds: Thresholds,
  ) {
    this.ring = new Uint8Array(size);
    this.minimumCalls = Math.min(thresholds.minimumCalls, size);
  }

  record(outcome: Outcome): TripReason | undefined {
    const ring = this.ring;
    const i = this.next;
    if (this.filled === this.size) {
      const old = ring[i] as number;
      this.failures -= old & FAILED;
      this.slowCalls -= (old & SLOW) >> 1;
    } else this.filled++;
    ring[i] = outcome;
    this.failures += outcome & FAILED;
    this.slowCalls += (outcome & SLOW) >> 1;
    this.next = i + 1 === this.size ? 0 : i + 1;
    return judgeRates(this.filled, this.failures, this.slowCalls, this.thresholds, this.minimumCalls);
  }

  totals(): WindowTotals {
    return { calls: this.filled, failures: this.failures, slowCalls: this.slowCalls };
  }

  /** O(1): stale bytes stay in the ring but are never read, since only `filled` entries count. */
  clear(): void {
    this.next = this.filled = this.failures = this.slowCalls = 0;
  }

  snapshot(): CountWindowSnapshot {
    const digits = new Uint8Array(this.filled);
    const start = this.filled === this.size ? this.next : 0;
    for (let k = 0; k < this.filled; k++) {
      const i = start + k;
      digits[k] = 48 + (this.ring[i < this.size ? i : i - this.size] as number);
    }
    return { kind: 'count', outcomes: new TextDecoder().decode(digits) };
  }

  /** Replays the snapshot's outcomes, so a window of another size keeps the newest ones it can hold. */
  restore(snapshot: WindowSnapshot): void {
    if (snapshot.kind !== 'count') return;
    this.clear();
    const outcomes = snapshot.outcomes;
    for (let k = Math.max(0, outcomes.length - this.size); k < outcomes.length; k++) {
      this.record((outcomes.charCodeAt(k) - 48) & (FAILED | SLOW));
    }
  }
}
