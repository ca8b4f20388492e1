/** The resilience policies: one file (or folder) per policy, composed with `pipeline()`. */
export { backoff, type Backoff, type BackoffSequence, type Jitter, type ExponentialOptions, type LinearOptions, EXPONENTIAL_DEFAULTS } from './backoff.js';
export { retry, RetryPolicy, RETRY_DEFAULTS, type RetryOptions, type RetryEvents, type GiveUpReason, type RetryOutcome, type RetrySettings } from './retry.js';
export * from './breaker/index.js';
export { timeout, TimeoutPolicy, TIMEOUT_DEFAULTS, type TimeoutOptions, type TimeoutEvents, type TimeoutMode } from './timeout.js';
export { bulkhead, BulkheadPolicy, BULKHEAD_DEFAULTS, type BulkheadOptions, type BulkheadEvents } from './bulkhead.js';
export { fallback, FallbackPolicy, FALLBACK_DEFAULTS, handleAllButAbort, type FallbackOptions, type FallbackEvents } from './fallback.js';
export { hedge, HedgePolicy, HEDGE_DEFAULTS, type HedgeOptions, type HedgeEvents } from './hedge.js';
export { pipeline, PipelinePolicy } from './pipeline.js';
export { rateLimit, RateLimitPolicy, RATE_LIMIT_DEFAULTS, type RateLimitOptions, type RateLimitEvents, type RateLimitRejected } from './rate-limit.js';
export { registry, createRegistry, PolicyRegistry, REGISTRY_DEFAULTS, type RegistryOptions } from './registry.js';
