export { CircuitBreaker, circuitBreaker, type CircuitBreakerMetrics } from './circuit-breaker.js';
export { type CircuitBreakerOptions, type WindowOptions, circuitBreakerDefaults } from './options.js';
export { type CircuitBreakerSnapshot, SNAPSHOT_VERSION as BREAKER_SNAPSHOT_VERSION, parseSnapshot as parseBreakerSnapshot } from './snapshot.js';
export { type CircuitStateName, type StateChange, type StateChangeReason, type IsolationHandle } from './state-machine.js';
export {
  type CircuitBreakerEvents,
  type SuccessEvent as BreakerSuccessEvent,
  type FailureEvent as BreakerFailureEvent,
  type RejectedEvent as BreakerRejectedEvent,
} from './events.js';
export { type TripReason } from './windows/window.js';
export { type TrialPermit } from './trial-permit.js';
