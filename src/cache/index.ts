/** The resilient cache: Redis with an in-memory LRU fallback and resync. */
export * from './resilient-cache.js';
export * from './failure-guard.js';
