import { checkOneOf } from '../core/option-checks.js';
import type { Clock } from '../core/clock.js';
import { type RateLimiter, type LimiterOptions, createLimiter } from './rate-limiter.js';
import { slidingCounterAlgorithm } from './sliding-counter.js';
import { slidingLogAlgorithm } from './sliding-log.js';
import type { LimiterStore } from './stores/store.js';

export interface SlidingWindowOptions extends LimiterOptions {
  /** Units admitted in any rolling window of `windowMs`. Required. */
  limit: number;
  /** The rolling window, in ms. Required. */
  windowMs: number;
  /** 'log': exact, 8 x (limit + 1) bytes per key. 'counter': 24 bytes per key, approximate (worst case 2 x limit - 1). */
  mode?: 'log' | 'counter';
  store?: LimiterStore;
  clock?: Clock;
}

export const SLIDING_WINDOW_DEFAULTS = {
  /** Exact by default: never more than `limit` in any rolling window, the property exchanges enforce. */
  mode: 'log' as 'log' | 'counter',
} as const;

/** At most `limit` units in any rolling `windowMs` ('log', default) or approximately so ('counter'). */
export function slidingWindow(options: SlidingWindowOptions): RateLimiter {
  if (typeof options !== 'object' || options === null) throw new TypeError('slidingWindow(options) needs an options object');
  const mode = options.mode ?? SLIDING_WINDOW_DEFAULTS.mode;
  checkOneOf('slidingWindow', 'mode', mode, ['log', 'counter']);
  const algorithm = mode === 'log' ? slidingLogAlgorithm(options.limit, options.windowMs) : slidingCounterAlgorithm(options.limit, options.windowMs);
  return createLimiter(algorithm, options, 'slidingWindow');
}
