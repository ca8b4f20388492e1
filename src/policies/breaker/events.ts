/** The breaker's typed events (`breaker.on(name, listener)`), as API.md names them. */
import type { CircuitStateName, StateChange } from './state-machine.js';

export interface SuccessEvent {
  /** How long the call took, in clock milliseconds. */
  durationMs: number;
}

export interface FailureEvent {
  /** What the call threw, as it was. */
  error: unknown;
  durationMs: number;
}

export interface RejectedEvent {
  /** The state that rejected the call: 'open', 'half-open' (all trial slots taken) or 'isolated'. */
  state: CircuitStateName;
  /** How long until a trial may go through; 0 when unknown or immediate. */
  retryAfterMs: number;
}

export interface CircuitBreakerEvents {
  /** The state changed: { from, to, reason, at }. */
  stateChange: StateChange;
  /** A call succeeded. Reported for calls that start while someone listens. */
  success: SuccessEvent;
  /** A call failed (as `isFailure` judges it; ignored errors are not reported). */
  failure: FailureEvent;
  /** A call was not let through. */
  rejected: RejectedEvent;
}
