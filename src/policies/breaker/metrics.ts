/** What `breaker.metrics()` reports. */
import type { CircuitStateName } from './state-machine.js';

export interface CircuitBreakerMetrics {
  state: CircuitStateName;
  /** Clock time (ms) the current state began. */
  since: number;
  /** Calls the window holds (consecutive window: calls since the circuit last closed). */
  calls: number;
  failures: number;
  slowCalls: number;
  /** failures / calls; 0 with no calls. */
  failureRate: number;
  /** slowCalls / calls; 0 with no calls. */
  slowCallRate: number;
  /** Calls rejected (open, half-open with every trial slot taken, isolated) since made or reset. */
  notPermitted: number;
  /** Open: ms until a trial may go through; 0 otherwise. */
  retryAfterMs: number;
  /**
   * Calls timed since made or reset (every finished call that counted, when calls are timed:
   * `timeCalls`, `slowCallMs`, a time window, or a `success` / `failure` listener).
   */
  timedCalls: number;
  /** Their summed duration, in clock ms. */
  totalDurationMs: number;
  /** totalDurationMs / timedCalls; 0 with no timed call. */
  averageDurationMs: number;
  /** Consecutive window only: the current run of failures. */
  consecutiveFailures?: number;
  /** Consecutive window only: the current run of slow calls. */
  consecutiveSlowCalls?: number;
}
