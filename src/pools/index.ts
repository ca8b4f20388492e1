/** Connection pools: HTTP over undici, per origin. */
export * from './http-pool.js';
