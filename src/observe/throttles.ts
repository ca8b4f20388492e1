/**
 * Exchange throttling as a metric: `bulwark_exchange_throttled_total{exchange,status}` counts the
 * 429 (slow down) and 418 (banned) answers. Both series start at 0 so the first one shows in rate().
 */
import type { Unsubscribe } from '../core/events.js';
import { type Metrics, throttleStatuses } from './metrics.js';

/** A source of the exchange's refusals (429/418), as the resilient exchange emits them. */
export interface ThrottleSourceLike {
  on(name: 'rejected', listener: (event: { reason: 'rate-limited' | 'banned'; error: unknown }) => void): Unsubscribe;
}

/**
 * Counts throttles by status. `statusOf` reads the HTTP status from the error (the exchange
 * layer knows how); without one, a ban counts as 418 and any other throttle as 429.
 */
export function observeThrottles(metrics: Metrics, source: ThrottleSourceLike, exchange: string, statusOf?: (error: unknown) => number | undefined): Unsubscribe {
  const ex = metrics.label('exchange', exchange);
  for (const status of throttleStatuses) metrics.exchangeThrottled.inc({ exchange: ex, status }, 0);
  return source.on('rejected', ({ reason, error }) => {
    const status = statusOf?.(error) ?? (reason === 'banned' ? 418 : 429);
    metrics.exchangeThrottled.inc({ exchange: ex, status: status === 418 ? '418' : '429' });
  });
}
