/**
 * resilientExchange over a REAL ccxt.binance talking HTTP to the simulator on loopback. The
 * simulator runs on wall-clock time (it is "the exchange"); the wrapper's own waits (backoff,
 * Retry-After, lookups) run on a ManualClock that `settle` moves forward, so no test sleeps for
 * a policy. Each scenario asserts the orders the exchange holds and the HTTP requests it received.
 */
import ccxt from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimitedError } from '../../src/core/errors.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import { pointAtSimulator } from '../../src/trading/sim/connect.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { seededRandom } from '../../src/core/random.js';

const SYMBOL = 'BTC/USDT';
let sim: SimServer;

beforeEach(async () => {
  sim = await startSimServer({ port: 0 });
});

afterEach(async () => {
  await sim.close();
});

/** Lets real I/O run; moves the wrapper's ManualClock whenever it has a wait pending. */
async function settle<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  watched.catch(() => undefined);
  while (!done) {
    if (clock.pendingTimers > 0) await clock.advance(50);
    else await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return watched;
}

async function connect(options: { timeoutMs?: number } = {}) {
  const exchange = pointAtSimulator(new ccxt.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, timeout: options.timeoutMs ?? 10_000 }), sim.url);
  await exchange.loadMarkets();
  sim.resetStats();
  const clock = new ManualClock(1_700_000_000_000);
  const journal = memoryJournal({ clock });
  const rex = resilientExchange(exchange, { clock, journal, random: seededRandom(5) });
  return { exchange, clock, journal, rex };
}

describe('trading over the loopback simulator (real HTTP, real ccxt.binance)', () => {
  it('loads markets, reads ticker, book and balance, places and cancels', async () => {
    const { rex, clock } = await connect();
    expect((await settle(clock, rex.fetchTicker(SYMBOL))).last).toBe(50_000);
    expect((await settle(clock, rex.fetchOrderBook(SYMBOL, 5))).bids).toHaveLength(5);
    expect((await settle(clock, rex.fetchBalance())).USDT?.free).toBe(1_000_000);
    const order = await settle(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'plain' }));
    expect((await settle(clock, rex.fetchOpenOrders(SYMBOL))).map((o) => o.id)).toEqual([order.id]);
    expect((await settle(clock, rex.cancelOrder(String(order.id), SYMBOL))).status).toBe('canceled');
    expect(sim.stats().ordersHeld).toBe(1);
  });

  it('reply lost after accept: one order, POST + GET', async () => {
    const { rex, clock } = await connect();
    sim.setFaults({ dropReplyAfterAccept: 1 });
    const order = await settle(clock, rex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { intentId: 'lost' }));
    expect(order.status).toBe('closed');
    expect(sim.stats().ordersHeld).toBe(1);
    expect(sim.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('timeout, then filled before the lookup: the filled order, no second one', async () => {
    // ccxt's own request timeout is wall-clock: keep it short; the simulator holds the reply longer.
    const { rex, clock } = await connect({ timeoutMs: 150 });
    sim.setFaults({ holdReplyAfterAccept: 1, holdReplyMs: 1_000 });
    rex.on('intent', (e) => {
      if (e.to === 'UNKNOWN') sim.engine.fillOrder('BTCUSDT', { clientOrderId: e.clientOrderId });
    });
    const order = await settle(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'slow' }));
    expect(order.status).toBe('closed');
    expect(sim.stats().ordersHeld).toBe(1);
    expect(sim.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('duplicate-id rejection: the order already there is returned', async () => {
    const { rex, clock } = await connect();
    sim.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId: clientOrderIdFor('dup') });
    const order = await settle(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'dup' }));
    expect(order.clientOrderId).toBe(clientOrderIdFor('dup'));
    expect(sim.stats().ordersHeld).toBe(1);
    expect(sim.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });

  it('429 with Retry-After: waits (on the wrapper clock) and sends once more', async () => {
    const { rex, clock } = await connect();
    sim.setFaults({ failures: [{ method: 'POST', path: '/api/v3/order', status: 429, retryAfterSec: 2 }] });
    const start = clock.now();
    const order = await settle(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'r429' }));
    expect(order.status).toBe('open');
    expect(clock.now() - start).toBeGreaterThanOrEqual(2_000);
    expect(sim.stats().ordersHeld).toBe(1);
    expect(sim.stats().byRoute).toEqual({ 'POST /api/v3/order': 2 });
  });

  it('418 ban: DDoSProtection, then nothing is sent during the ban', async () => {
    const { rex, clock } = await connect();
    await settle(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'first' }));
    sim.setFaults({ failures: [{ status: 418, retryAfterSec: 120 }] });
    await expect(settle(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'ban' }))).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    await expect(settle(clock, rex.fetchOpenOrders(SYMBOL))).rejects.toBeInstanceOf(RateLimitedError);
    expect(sim.stats().ordersHeld).toBe(1);
    expect(sim.stats().byRoute).toEqual({ 'POST /api/v3/order': 2 });
  });

  it('restart with an UNKNOWN intent in the journal: resolved by lookup, one order', async () => {
    const first = await connect();
    sim.setFaults({ dropReplyAfterAccept: 1, visibilityDelayMs: 60_000 });
    const lost = await settle(first.clock, first.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'restart' })).catch((e: unknown) => e);
    expect((lost as { code?: string }).code).toBe('ORDER_STATUS_UNKNOWN');
    expect((await first.journal.get('restart'))?.state).toBe('UNKNOWN');
    // The process restarts later: the order is visible now. Same journal, a new ccxt instance and wrapper.
    sim.engine.revealOrders();
    const exchange = pointAtSimulator(new ccxt.binance({ apiKey: 'k', secret: 's', enableRateLimit: false }), sim.url);
    await exchange.loadMarkets();
    sim.resetStats();
    const rex = resilientExchange(exchange, { clock: first.clock, journal: first.journal });
    const order = await settle(first.clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'restart' }));
    expect(order.status).toBe('open');
    expect(sim.stats().ordersHeld).toBe(1);
    expect(sim.stats().byRoute).toEqual({ 'GET /api/v3/order': 1 });
  });

  it('cancel of an already-filled order: confirmed by fetching, returns the filled order', async () => {
    const { rex, clock } = await connect();
    const order = await settle(clock, rex.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, { intentId: 'sold' }));
    sim.resetStats();
    const result = await settle(clock, rex.cancelOrder(String(order.id), SYMBOL));
    expect(result.status).toBe('closed');
    expect(sim.stats().ordersHeld).toBe(1);
    expect(sim.stats().byRoute).toEqual({ 'DELETE /api/v3/order': 1, 'GET /api/v3/order': 1 });
  });
});
