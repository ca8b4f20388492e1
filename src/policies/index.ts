/** The resilience policies: one file (or folder) per policy, composed with `pipeline()`. */
export { backoff, type Backoff, type BackoffSequence, type Jitter, type ExponentialOptions, type LinearOptions, exponentialDefaults } from './backoff.js';
export { retry, RetryPolicy, retryDefaults, isTransient, type RetryOptions, type RetryEvents, type GiveUpReason, type RetryOutcome } from './retry.js';
export * from './breaker/index.js';
export { timeout, TimeoutPolicy, timeoutDefaults, type TimeoutOptions, type TimeoutEvents, type TimeoutMode } from './timeout.js';
export { bulkhead, BulkheadPolicy, bulkheadDefaults, type BulkheadOptions, type BulkheadEvents } from './bulkhead.js';
export { fallback, FallbackPolicy, fallbackDefaults, handleAllButAbort, type FallbackOptions, type FallbackEvents } from './fallback.js';
export { hedge, HedgePolicy, hedgeDefaults, type HedgeOptions, type HedgeEvents } from './hedge.js';
export { pipeline, PipelinePolicy } from './pipeline.js';
export { rateLimit, RateLimitPolicy, rateLimitDefaults, type RateLimitOptions, type RateLimitEvents } from './rate-limit.js';
export { registry, createRegistry, PolicyRegistry, registryDefaults, type RegistryOptions } from './registry.js';
