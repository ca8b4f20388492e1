/** Adaptive limits: concurrency limiter (AIMD, Gradient2) and client-side adaptive throttling. */
export { type LimitAlgorithm, type LimitSample } from './limit-algorithm.js';
export { aimd, AimdLimit, aimdDefaults, type AimdOptions } from './aimd.js';
export { gradient2, Gradient2Limit, gradient2Defaults, type Gradient2Options } from './gradient2.js';
export {
  adaptiveConcurrency,
  AdaptiveConcurrencyLimiter,
  adaptiveConcurrencyDefaults,
  type AdaptiveConcurrencyOptions,
  type AdaptiveConcurrencyEvents,
} from './concurrency-limiter.js';
export { adaptiveThrottle, AdaptiveThrottle, adaptiveThrottleDefaults, type AdaptiveThrottleOptions, type AdaptiveThrottleEvents } from './throttle.js';
