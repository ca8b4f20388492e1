/** Adaptive limits: concurrency limiter (AIMD, Gradient2) and client-side adaptive throttling. */
export { type LimitAlgorithm, type LimitSample } from './limit-algorithm.js';
export { aimd, AimdLimit, AIMD_DEFAULTS, type AimdOptions } from './aimd.js';
export { gradient2, Gradient2Limit, GRADIENT2_DEFAULTS, type Gradient2Options } from './gradient2.js';
export {
  adaptiveConcurrency,
  AdaptiveConcurrencyLimiter,
  ADAPTIVE_CONCURRENCY_DEFAULTS,
  type AdaptiveConcurrencyOptions,
  type AdaptiveConcurrencyEvents,
} from './concurrency-limiter.js';
export { adaptiveThrottle, AdaptiveThrottle, ADAPTIVE_THROTTLE_DEFAULTS, type AdaptiveThrottleOptions, type AdaptiveThrottleEvents } from './throttle.js';
