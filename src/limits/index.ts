/** Rate limits: algorithms, stores (memory, Redis), the acquire queue and leased mode. */
export { tokenBucket, tokenBucketAlgorithm, type TokenBucketOptions } from './token-bucket.js';
export { gcra, gcraAlgorithm, type GcraOptions } from './gcra.js';
export { slidingWindow, SLIDING_WINDOW_DEFAULTS, type SlidingWindowOptions } from './sliding-window.js';
export { slidingLogAlgorithm } from './sliding-log.js';
export { slidingCounterAlgorithm } from './sliding-counter.js';
export { fixedWindow, fixedWindowAlgorithm, type FixedWindowOptions } from './fixed-window.js';
export { RateLimiter, createLimiter, LIMITER_DEFAULTS, type LimiterOptions } from './rate-limiter.js';
export { type Backpressure, type LimiterEvents } from './acquire-queue.js';
export { type Algorithm, type MemoryState, type Grant } from './algorithm.js';
export { leased, LeasedLimiter, LEASED_DEFAULTS, type LeasedOptions } from './leased.js';
export { LimiterUnavailableError } from './errors.js';
export { type LimiterStore, type BoundStore } from './stores/store.js';
export { memoryStore } from './stores/memory.js';
export {
  redisStore,
  REDIS_STORE_DEFAULTS,
  type RedisStoreOptions,
  type RedisScriptClient,
  type RedisLimiterStore,
  type RedisStoreEvents,
} from './stores/redis.js';
