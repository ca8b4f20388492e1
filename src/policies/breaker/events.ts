/** The breaker's typed events (`breaker.on(name, listener)`), as API.md names them. */
import type { SettingsChange } from '../../core/settings-change.js';
import type { BreakerSettings } from './settings.js';
import type { CircuitStateName, StateChange } from './state-machine.js';
import type { TripReason } from './windows/window.js';

export interface SuccessEvent {
  /** How long the call took, in clock milliseconds. */
  durationMs: number;
}

export interface FailureEvent {
  /** What the call threw, as it was. */
  error: unknown;
  durationMs: number;
}

/**
 * Why a call was not let through: the breaker is open; half-open with every trial slot taken;
 * half-open and the trial permit (see `setTrialPermit`) said no; isolated.
 */
export type RejectedReason = 'open' | 'trials-running' | 'trial-permit-denied' | 'isolated';

export interface RejectedEvent {
  reason: RejectedReason;
  /** The state that rejected the call: 'open', 'half-open' or 'isolated'. */
  state: CircuitStateName;
  /** How long until a trial may go through; 0 when unknown or immediate. */
  retryAfterMs: number;
}

export interface ThresholdExceededEvent {
  /** Which threshold: `failure-rate` and `slow-call-rate` (rate windows), or a consecutive run. */
  reason: TripReason;
  /** The state the breaker was in: 'closed' (it opens right after) or 'metrics-only' (it stays). */
  state: CircuitStateName;
  /** The window's rates at that moment. */
  failureRate: number;
  slowCallRate: number;
  /** Clock time (ms). */
  at: number;
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
  /**
   * The window judged a threshold reached: when closed, just before the breaker opens; when
   * metrics-only, instead of opening (once each time the judgement turns, not on every call).
   */
  thresholdExceeded: ThresholdExceededEvent;
  /** Its settings changed while it ran (`reconfigure()`): { from, to, at }. */
  settingsChange: SettingsChange<BreakerSettings>;
}
