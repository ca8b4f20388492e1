/**
 * Exchange throttling as a metric: `bulwark_exchange_throttled_total{exchange,status}` counts the
 * 429 (slow down) and 418 (banned) answers. Both series start at 0 so the first one shows in rate().
 */
import type { Unsubscribe } from '../core/events.js';
import { type Metrics, throttleStatuses } from './metrics.js';

/** A source of throttle events, as the resilient exchange emits them. */
export interface ThrottleSourceLike {
  on(name: 'throttled', listener: (event: { banned: boolean; error: unknown }) => void): Unsubscribe;
}

/**
 * Counts throttles by status. `statusOf` reads the HTTP status from the error (the exchange
 * layer knows how); without one, a ban counts as 418 and any other throttle as 429.
 */
export function observeThrottles(metrics: Metrics, source: ThrottleSourceLike, exchange: string, statusOf?: (error: unknown) => number | undefined): Unsubscribe {
  const ex = metrics.label('exchange', exchange);
  for (const status of throttleStatuses) metrics.exchangeThrottled.inc({ exchange: ex, status }, 0);
  return source.on('throttled', ({ banned, error }) => {
    const status = statusOf?.(error) ?? (banned ? 418 : 429);
    metrics.exchangeThrottled.inc({ exchange: ex, status: status === 418 ? '418' : '429' });
  });
}
