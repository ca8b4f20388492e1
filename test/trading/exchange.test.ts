/**
 * resilientExchange over a REAL ccxt.binance whose fetchImplementation is the simulator (no
 * socket, ManualClock). Each scenario asserts how many orders the exchange holds and exactly
 * which HTTP requests were sent.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/core/errors.js';
import { IntentClosedError, OrderStatusUnknownError } from '../../src/trading/errors.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import { seededRandom } from '../../src/core/random.js';
import { drive, offlineBinance } from './support/offline-binance.js';

const SYMBOL = 'BTC/USDT';

async function setup(faults: Parameters<typeof offlineBinance>[0] = {}) {
  const env = await offlineBinance(faults);
  const journal = memoryJournal({ clock: env.clock });
  const rex = resilientExchange(env.exchange, { clock: env.clock, random: seededRandom(7), journal });
  return { ...env, journal, rex };
}

describe('resilientExchange createOrder (ccxt.binance, offline simulator)', () => {
  it('works with zero options and sends a client order id derived from the intent', async () => {
    const { exchange, router } = await offlineBinance();
    const rex = resilientExchange(exchange);
    const order = await rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'zero-options' });
    expect(order.clientOrderId).toBe(clientOrderIdFor('zero-options'));
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1 });
  });

  it('reply lost after accept: resolves by client order id lookup, one order, POST + one GET', async () => {
    const { router, clock, rex, journal } = await setup({ faults: { dropReplyAfterAccept: 1 } });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { intentId: 'lost-reply' }));
    expect(order.status).toBe('closed');
    expect(order.clientOrderId).toBe(clientOrderIdFor('lost-reply'));
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().requests).toBe(2);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
    expect((await journal.get('lost-reply'))?.state).toBe('FILLED');
  });

  it('timeout, then the order fills before the lookup: returns the filled order and never resends', async () => {
    const { router, clock, rex, journal } = await setup({ faults: { holdReplyAfterAccept: 1, holdReplyMs: 30_000 } });
    // The moment the intent turns UNKNOWN (the timeout), the market fills the resting order.
    rex.on('intent', (e) => {
      if (e.to === 'UNKNOWN') router.engine.fillOrder('BTCUSDT', { clientOrderId: e.clientOrderId });
    });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'timeout-filled' }));
    expect(order.status).toBe('closed');
    expect(order.filled).toBe(0.01);
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
    expect((await journal.get('timeout-filled'))?.state).toBe('FILLED');
  });

  it('5xx after the order was booked is ambiguous: looked up, not resent', async () => {
    const { router, clock, rex } = await setup({ faults: { failures: [{ path: '/api/v3/order', method: 'POST', status: 503, afterAccept: true }] } });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'sell', 0.01, 60_000, { intentId: 'five-hundred' }));
    expect(order.status).toBe('open');
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('Binance -1007 "execution status unknown" after the order was booked: looked up, not resent', async () => {
    const msg = 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.';
    const { router, clock, rex } = await setup({ faults: { failures: [{ path: '/api/v3/order', status: 400, code: -1007, msg, afterAccept: true }] } });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { intentId: 'minus-1007' }));
    expect(order.status).toBe('closed');
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('duplicate-id rejection (-2010) means already placed: fetches and returns that order', async () => {
    const { router, clock, rex } = await setup();
    // A previous process placed the order but never journalled the answer.
    router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId: clientOrderIdFor('dup') });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'dup' }));
    expect(order.id).toBe('1');
    expect(order.status).toBe('open');
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('429 with Retry-After: waits the Retry-After, sends once more with the same client order id', async () => {
    const { router, clock, rex } = await setup({ faults: { failures: [{ path: '/api/v3/order', status: 429, retryAfterSec: 3 }] } });
    const rejected: Array<{ reason: string; retryAfterMs: number }> = [];
    const errors: unknown[] = [];
    rex.on('rejected', ({ reason, retryAfterMs, error }) => {
      rejected.push({ reason, retryAfterMs });
      errors.push(error);
    });
    const start = clock.now();
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'rate-limited' }));
    expect(order.status).toBe('open');
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 2 });
    // The second send was not made before Retry-After elapsed.
    expect(router.engine.allOrdersHeld()[0]?.time).toBeGreaterThanOrEqual(start + 3_000);
    expect(rejected).toEqual([{ reason: 'rate-limited', retryAfterMs: 3_000 }]);
    expect(errors[0]).toBeInstanceOf(ccxt.DDoSProtection);
  });

  it('418 ban: the order fails with ccxt DDoSProtection, and nothing is sent until the ban ends', async () => {
    const { router, clock, rex } = await setup();
    await rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'before-ban' });
    router.setFaults({ failures: [{ status: 418, retryAfterSec: 120 }] });
    const rejected: Array<{ reason: string; retryAfterMs: number }> = [];
    rex.on('rejected', ({ reason, retryAfterMs }) => rejected.push({ reason, retryAfterMs }));
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'banned' })).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    // The exchange's refusal is told once; the refusals made here during the ban send nothing and are not.
    // During the ban: refused at once, no request.
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'during-ban' })).rejects.toBeInstanceOf(RateLimitedError);
    await expect(rex.fetchBalance()).rejects.toBeInstanceOf(RateLimitedError);
    expect(rex.banGuardState().banned).toBe(true);
    expect(rex.throttleState()).toEqual(rex.banGuardState()); // the deprecated name, until 1.0
    expect(rejected).toEqual([{ reason: 'banned', retryAfterMs: 120_000 }]);
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 2 });
    // The banned intent is closed: it never reached the book, a new intent id is needed.
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'banned' })).rejects.toBeInstanceOf(IntentClosedError);
    await clock.advance(120_000);
    const after = await rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'after-ban' });
    expect(after.status).toBe('open');
    expect(router.stats().ordersHeld).toBe(2);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 3 });
  });

  it('restart with an UNKNOWN intent in the journal: the same intent id resolves by lookup, no new order', async () => {
    const { router, clock, exchange, journal } = await setup();
    const clientOrderId = clientOrderIdFor('crashed');
    await journal.putIfAbsent({ intentId: 'crashed', clientOrderId, exchange: 'binance', symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000 });
    await journal.updateState('crashed', 'SENT');
    await journal.updateState('crashed', 'UNKNOWN', { error: 'process died' });
    router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId });
    // The new process: a fresh wrapper over the same journal.
    const restarted = resilientExchange(exchange, { clock, journal, random: seededRandom(1) });
    const order = await drive(clock, restarted.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'crashed' }));
    expect(order.clientOrderId).toBe(clientOrderId);
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'GET /api/v3/order': 1 });
    expect((await journal.get('crashed'))?.state).toBe('OPEN');
  });

  it('the same intent id again returns the same order and places nothing', async () => {
    const { router, clock, rex } = await setup();
    const first = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'again' }));
    const second = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'again' }));
    expect(second.id).toBe(first.id);
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('concurrent calls with one intent id share one placement', async () => {
    const { router, clock, rex } = await setup();
    const [a, b] = await drive(clock, Promise.all([
      rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'twin' }),
      rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'twin' }),
    ]));
    expect(a.id).toBe(b.id);
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1 });
  });

  it('an order that stays invisible through every lookup is left UNKNOWN (never resent)', async () => {
    const { router, clock, rex, journal } = await setup({ faults: { dropReplyAfterAccept: 1, visibilityDelayMs: 3_600_000 } });
    const error = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'invisible' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderStatusUnknownError);
    expect((await journal.get('invisible'))?.state).toBe('UNKNOWN');
    expect(router.stats().ordersHeld).toBe(1);
    // 5 lookup rounds, each: by client id, open orders, all orders. One POST only.
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 5, 'GET /api/v3/openOrders': 5, 'GET /api/v3/allOrders': 5 });
  });

  it('delayed visibility: a later lookup round finds the order', async () => {
    const { router, clock, rex } = await setup({ faults: { dropReplyAfterAccept: 1, visibilityDelayMs: 1_000 } });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'late' }), 50);
    expect(order.status).toBe('open');
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute['POST /api/v3/order']).toBe(1);
  });

  it('a permanent rejection is rethrown as ccxt InsufficientFunds and the intent is REJECTED', async () => {
    const { router, rex, journal } = await setup();
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 100, 49_000, { intentId: 'too-big' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect((await journal.get('too-big'))?.state).toBe('REJECTED');
    expect(router.stats().ordersHeld).toBe(0);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1 });
  });

  it('refuses bad input with errors that name the option', async () => {
    const { rex, exchange } = await setup();
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 0, 49_000)).rejects.toThrow(/amount must be a finite number > 0, got 0/);
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 1, 49_000, { intentId: '' })).rejects.toThrow(/intentId must be a non-empty string/);
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 1, 49_000, { clientOrderId: 'x' })).rejects.toThrow(/pass params.intentId/);
    expect(() => resilientExchange(exchange, { maxAttempts: 0 })).toThrow(/maxAttempts must be an integer >= 1/);
    exchange.options.maxRetriesOnFailure = 2;
    expect(() => resilientExchange(exchange)).toThrow(/maxRetriesOnFailure is 2/);
  });
});

describe('resilientExchange cancelOrder', () => {
  it('cancel of an already-filled order: OrderNotFound is confirmed by fetching; returns the filled order', async () => {
    const { router, clock, rex } = await setup();
    const placed = await rex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { intentId: 'filled' });
    router.resetStats();
    const result = await drive(clock, rex.cancelOrder(String(placed.id), SYMBOL));
    expect(result.status).toBe('closed');
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'DELETE /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('a cancel whose first try fails with a 5xx is retried, and its order ends CANCELED', async () => {
    const { router, clock, rex, journal } = await setup();
    const placed = await rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'to-cancel' });
    router.setFaults({ failures: [{ method: 'DELETE', path: '/api/v3/order', status: 502 }] });
    router.resetStats();
    const result = await drive(clock, rex.cancelOrder(String(placed.id), SYMBOL));
    expect(result.status).toBe('canceled');
    expect(router.stats().byRoute).toEqual({ 'DELETE /api/v3/order': 2 });
    expect((await journal.get('to-cancel'))?.state).toBe('CANCELED');
  });
});

describe('resilientExchange reads', () => {
  it('retries a recoverable read error and returns fresh data', async () => {
    const { router, clock, rex } = await setup({ faults: { failures: [{ path: '/api/v3/ticker/24hr', status: 503 }] } });
    const ticker = await drive(clock, rex.fetchTicker(SYMBOL));
    expect(ticker.stale).toBe(false);
    expect(ticker.last).toBe(50_000);
    expect(router.stats().byRoute).toEqual({ 'GET /api/v3/ticker/24hr': 2 });
  });

  it('serves the last known good ticker marked stale with its age when the exchange fails', async () => {
    const { router, clock, rex } = await setup();
    await rex.fetchTicker(SYMBOL);
    await clock.advance(2_000);
    router.setFaults({ maintenance: true });
    const staleEvents: number[] = [];
    rex.on('stale', (e) => staleEvents.push(e.ageMs));
    const ticker = await drive(clock, rex.fetchTicker(SYMBOL));
    expect(ticker.stale).toBe(true);
    expect(ticker.ageMs).toBeGreaterThanOrEqual(2_000);
    expect(ticker.last).toBe(50_000);
    expect(staleEvents).toHaveLength(1);
  });

  it('does not serve a last known good value older than maxStaleMs, nor hide a permanent error', async () => {
    const { router, clock, exchange } = await setup();
    const rex = resilientExchange(exchange, { clock, maxStaleMs: 1_000 });
    await rex.fetchOrderBook(SYMBOL, 5);
    await clock.advance(5_000);
    router.setFaults({ maintenance: true });
    await expect(drive(clock, rex.fetchOrderBook(SYMBOL, 5))).rejects.toBeInstanceOf(ccxt.OnMaintenance);
    router.setFaults({ maintenance: false });
    await expect(rex.fetchTicker('NOPE/USDT')).rejects.toBeInstanceOf(ccxt.BadSymbol);
  });

  it('opens the market-data breaker after 5 consecutive failures; later calls send nothing', async () => {
    const { router, clock, exchange } = await setup();
    router.setFaults({ maintenance: true });
    const rex = resilientExchange(exchange, { clock, maxAttempts: 1 });
    for (let i = 0; i < 5; i++) await expect(rex.fetchOHLCV(SYMBOL)).rejects.toBeInstanceOf(ccxt.OnMaintenance);
    expect(rex.breakers?.groups.marketData.state).toBe('open');
    const sent = router.stats().requests;
    await expect(rex.fetchOHLCV(SYMBOL)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(router.stats().requests).toBe(sent);
  });
});

describe('resilientExchange with a feed watchdog', () => {
  it('fresh tickers feed it; fallback values do not, so the symbol goes stale and the gate reduces', async () => {
    const { feedWatchdog } = await import('../../src/trading/feeds.js');
    const { tradingGate } = await import('../../src/trading/gate.js');
    const { router, clock, exchange } = await setup();
    const feeds = feedWatchdog({ maxAgeMs: 5_000, clock });
    const gate = tradingGate({ clock });
    feeds.attachGate(gate, [SYMBOL]);
    const rex = resilientExchange(exchange, { clock, feeds, maxAttempts: 1 });
    await rex.fetchTicker(SYMBOL);
    expect(feeds.allowsNewExposure(SYMBOL)).toBe(true);
    router.setFaults({ maintenance: true });
    await clock.advance(3_000);
    expect((await rex.fetchTicker(SYMBOL)).stale).toBe(true);
    await clock.advance(2_000);
    expect(feeds.allowsNewExposure(SYMBOL)).toBe(false);
    expect(gate.mode).toBe('reducing');
    feeds.stop();
  });
});
