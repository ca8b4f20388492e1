import type { ConsecutiveWindowSnapshot, Outcome, OutcomeWindow, TripReason, WindowSnapshot, WindowTotals } from './window.js';
import { FAILED, SLOW } from './window.js';

/**
 * Opens after `threshold` failures in a row, or (when slow calls are measured) `threshold` slow
 * calls in a row. A success resets the failure run; a fast call resets the slow run. It also
 * keeps running totals since the circuit last closed, for metrics.
 */
export class ConsecutiveWindow implements OutcomeWindow {
  private calls = 0;
  private failures = 0;
  private slowCalls = 0;
  private failureRun = 0;
  private slowRun = 0;

  constructor(private readonly threshold: number) {}

  record(outcome: Outcome): TripReason | undefined {
    this.calls++;
    if (outcome & FAILED) {
      this.failures++;
      this.failureRun++;
    } else this.failureRun = 0;
    if (outcome & SLOW) {
      this.slowCalls++;
      this.slowRun++;
    } else this.slowRun = 0;
    if (this.failureRun >= this.threshold) return 'consecutive-failures';
    if (this.slowRun >= this.threshold) return 'consecutive-slow-calls';
    return undefined;
  }

  totals(): WindowTotals {
    return {
      calls: this.calls,
      failures: this.failures,
      slowCalls: this.slowCalls,
      consecutiveFailures: this.failureRun,
      consecutiveSlowCalls: this.slowRun,
    };
  }

  clear(): void {
    this.calls = this.failures = this.slowCalls = this.failureRun = this.slowRun = 0;
  }

  snapshot(): ConsecutiveWindowSnapshot {
    return {
      kind: 'consecutive',
      calls: this.calls,
      failures: this.failures,
      slowCalls: this.slowCalls,
      consecutiveFailures: this.failureRun,
      consecutiveSlowCalls: this.slowRun,
    };
  }

  restore(snapshot: WindowSnapshot): void {
    if (snapshot.kind !== 'consecutive') return;
    this.calls = snapshot.calls;
    this.failures = snapshot.failures;
    this.slowCalls = snapshot.slowCalls;
    this.failureRun = snapshot.consecutiveFailures;
    this.slowRun = snapshot.consecutiveSlowCalls;
  }
}
