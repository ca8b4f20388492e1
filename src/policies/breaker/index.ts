export { CircuitBreaker, circuitBreaker, type CircuitBreakerMetrics } from './circuit-breaker.js';
export { type CircuitBreakerOptions, type WindowOptions, type HalfOpenJudge, CIRCUIT_BREAKER_DEFAULTS } from './options.js';
export { type CircuitBreakerSnapshot, SNAPSHOT_VERSION as BREAKER_SNAPSHOT_VERSION, parseSnapshot as parseBreakerSnapshot } from './snapshot.js';
export { type CircuitStateName, type StateChange, type StateChangeReason, type IsolationHandle } from './state-machine.js';
export { IllegalTransitionError } from './illegal-transition.js';
export { type BreakerSettings, RECONFIGURABLE_BREAKER_KEYS } from './settings.js';
export {
  type CircuitBreakerEvents,
  type SuccessEvent as BreakerSuccessEvent,
  type FailureEvent as BreakerFailureEvent,
  type RejectedEvent as BreakerRejectedEvent,
  type RejectedReason as BreakerRejectedReason,
  type ThresholdExceededEvent as BreakerThresholdExceededEvent,
} from './events.js';
export { type TripReason } from './windows/window.js';
export { type TrialPermit } from './trial-permit.js';
