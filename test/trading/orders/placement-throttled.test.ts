/**
 * Persistent 429s on order placement: the order is sent at most `placeAttempts` times (the same
 * client order id each time, each after Retry-After), then the intent ends FAILED and ccxt's
 * error is rethrown. ManualClock: the waits are driven, not slept.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/random.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import { memoryJournal } from '../../../src/trading/orders/memory-journal.js';
import { drive, offlineBinance } from '../support/offline-binance.js';

const persistent429 = { failures: [{ path: '/api/v3/order', method: 'POST', status: 429, retryAfterSec: 2, times: 1_000 }] };

describe('createOrder under persistent 429s', () => {
  it.each([1, 2, 3, 4])('placeAttempts %i: that many sends, each after Retry-After, then FAILED', async (placeAttempts) => {
    const { exchange, router, clock } = await offlineBinance({ faults: persistent429 });
    const journal = memoryJournal({ clock });
    const rex = resilientExchange(exchange, { clock, random: seededRandom(3), journal, placeAttempts, breaker: false });
    const start = clock.now();

    const error = await drive(clock, rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: `throttled-${placeAttempts}` })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ccxt.DDoSProtection) // ccxt's class for Binance's 429;
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': placeAttempts });
    expect(router.stats().ordersHeld).toBe(0);
    expect(await journal.get(`throttled-${placeAttempts}`)).toMatchObject({ state: 'FAILED', exchangeOrderId: null });
    // Every resend waited out the 2 s Retry-After.
    expect(clock.now() - start).toBeGreaterThanOrEqual((placeAttempts - 1) * 2_000);
  });

  it('the throttling ends before placeAttempts runs out: the order is placed once', async () => {
    const { exchange, router, clock } = await offlineBinance({ faults: { failures: [{ path: '/api/v3/order', method: 'POST', status: 429, retryAfterSec: 1, times: 2 }] } });
    const rex = resilientExchange(exchange, { clock, random: seededRandom(3), placeAttempts: 3, breaker: false });
    const order = await drive(clock, rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'third-time' }));
    expect(order.status).toBe('open');
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 3 });
    expect(router.stats().ordersHeld).toBe(1);
  });
});
