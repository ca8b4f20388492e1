export { CircuitBreaker, circuitBreaker, type CircuitBreakerMetrics } from './circuit-breaker.js';
export { type CircuitBreakerOptions, type WindowOptions, circuitBreakerDefaults } from './options.js';
export { type CircuitBreakerSnapshot, SNAPSHOT_VERSION, parseSnapshot } from './snapshot.js';
export { type CircuitStateName, type StateChange, type StateChangeReason, type IsolationHandle } from './state-machine.js';
export { type CircuitBreakerEvents, type SuccessEvent, type FailureEvent, type RejectedEvent } from './events.js';
export { type TripReason } from './windows/window.js';
