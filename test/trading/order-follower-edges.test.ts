/**
 * The order follower at its edges, against the in-process simulator on a ManualClock: starting and
 * stopping, the gate a plain pass leaves alone, intents of another exchange, failed lookups kept as
 * errors, the fetch cap on unresolved intents, abandoned placements, the clock offset's refresh and
 * failure, and what an adopted orphan is journalled as.
 */
import { describe, expect, it } from 'vitest';
import { tradingGate } from '../../src/trading/gate.js';
import { OrderFollower, type FollowReport } from '../../src/trading/order-follower.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import type { IntentJournal } from '../../src/trading/orders/journal.js';
import type { IntentState } from '../../src/trading/orders/state.js';
import { reconcile } from '../../src/trading/reconcile.js';
import { drive } from './support/offline-binance.js';
import { type FollowerSetup, followerSetup, stateOf } from './support/follower-setup.js';

const SYMBOL = 'BTC/USDT';


async function journalIntent(journal: IntentJournal, intentId: string, path: IntentState[], exchange = 'binance'): Promise<void> {
  await journal.putIfAbsent({ intentId, clientOrderId: clientOrderIdFor(intentId), exchange, symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000 });
  for (const state of path) await journal.updateState(intentId, state);
}

/** Books an order for an intent on the simulated exchange; returns its order id. */
function book(s: FollowerSetup, intentId: string, price = 49_000): number {
  const placed = s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price, clientOrderId: clientOrderIdFor(intentId) });
  if (!placed.ok) throw new Error('setup: order refused');
  return placed.order.orderId;
}


describe('order follower: starting and stopping', () => {
  it('start() twice runs one pass an interval; stop() before any start is harmless', async () => {
    const s = await followerSetup();
    const idle = new OrderFollower(s.rex);
    await expect(idle.stop()).resolves.toBeUndefined();
    const follower = new OrderFollower(s.rex, { intervalMs: 1_000 });
    const passes: FollowReport[] = [];
    follower.on('pass', (r) => passes.push(r));
    follower.start();
    follower.start();
    await s.clock.advance(1_000);
    await s.clock.advance(100);
    expect(passes).toHaveLength(1);
    await follower.stop();
    await s.clock.advance(5_000);
    expect(passes).toHaveLength(1);
  });

  it('stop() during a pass waits for it, and no pass follows', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'x', ['SENT', 'UNKNOWN']);
    s.router.setFaults({ latencyMs: 500 });
    const follower = new OrderFollower(s.rex, { intervalMs: 1_000 });
    const passes: FollowReport[] = [];
    follower.on('pass', (r) => passes.push(r));
    follower.start();
    await s.clock.advance(1_000);
    expect(passes).toHaveLength(0);
    await drive(s.clock, follower.stop());
    expect(passes).toHaveLength(1);
    await s.clock.advance(10_000);
    expect(passes).toHaveLength(1);
  });
});

describe('order follower: options', () => {
  it('accepts zero for the grace, the abandonment time and the offset refresh, and a cap of one fetch', () => {
    const s = { rex: {} as never };
    expect(() => new OrderFollower(s.rex, { unknownGraceMs: 0, abandonedAfterMs: 0, offsetRefreshMs: 0, maxFetchesPerPass: 1 })).not.toThrow();
  });

  it('reconcile() names itself for a negative grace, and accepts zero', async () => {
    const s = await followerSetup();
    await expect(reconcile(s.rex, { unknownGraceMs: -1 })).rejects.toThrow('reconcile: unknownGraceMs must be a finite number >= 0 (or Infinity), got -1');
    await expect(reconcile(s.rex, { unknownGraceMs: Number.NaN })).rejects.toThrow(/^reconcile: unknownGraceMs/);
    await expect(drive(s.clock, reconcile(s.rex, { unknownGraceMs: 0 }))).resolves.toMatchObject({ clean: true });
  });
});

describe('order follower and the gate', () => {
  it('a plain pass never holds the gate, even when it is not clean', async () => {
    const s = await followerSetup();
    const gate = tradingGate({ clock: s.clock });
    await journalIntent(s.journal, 'recent', ['SENT', 'UNKNOWN']);
    const report = await drive(s.clock, new OrderFollower(s.rex, { gate }).pass());
    expect(report.unresolved).toEqual(['recent']);
    expect(report.clean).toBe(false);
    expect(gate.history()).toEqual([]);
    expect(gate.conditions().map((c) => c.name)).toEqual([]);
  });

  it('reconcile holds the gate with its reason while it runs; a clean pass records "reconciliation clean"', async () => {
    const s = await followerSetup();
    const gate = tradingGate({ clock: s.clock });
    await drive(s.clock, reconcile(s.rex, { gate }));
    expect(gate.history().map((c) => c.reason)).toEqual(['reconcile: reconciling the order journal with the exchange', 'reconciliation clean']);
  });

  it("follows only its own exchange's intents, and syncs only those to the gate", async () => {
    const s = await followerSetup();
    const gate = tradingGate({ clock: s.clock, maxUnknownOrders: 1 });
    await journalIntent(s.journal, 'elsewhere-unknown', ['SENT', 'UNKNOWN'], 'kraken');
    await journalIntent(s.journal, 'elsewhere-open', ['SENT'], 'kraken');
    await s.journal.updateState('elsewhere-open', 'OPEN', { exchangeOrderId: '999' });
    s.router.resetStats();
    const report = await drive(s.clock, new OrderFollower(s.rex, { gate }).pass());
    expect(report).toMatchObject({ resolved: [], failed: [], unresolved: [], updated: [], errors: [], clean: true });
    expect(s.router.stats().byRoute).toEqual({});
    expect(gate.unknownOrders()).toBe(0);
    expect(gate.mode).toBe('active');
    expect(await stateOf(s.journal, 'elsewhere-unknown')).toBe('UNKNOWN');
  });

  it('an UNKNOWN intent whose placement is still looking it up does not count toward the gate yet', async () => {
    const s = await followerSetup({ lookupAttempts: 5 });
    const gate = tradingGate({ clock: s.clock, maxUnknownOrders: 1 });
    s.router.setFaults({ loseRequests: 1 });
    const placing = s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'looking' });
    placing.catch(() => undefined);
    for (let i = 0; i < 100 && (await stateOf(s.journal, 'looking')) !== 'UNKNOWN'; i++) await s.clock.advance(10);
    expect(await stateOf(s.journal, 'looking')).toBe('UNKNOWN');
    expect(s.rex.isPlacing('looking')).toBe(true);
    await new OrderFollower(s.rex, { gate }).pass();
    expect(gate.unknownOrders()).toBe(0);
    await drive(s.clock, placing).catch(() => undefined);
  });
});

describe('order follower: failed lookups are errors, never guesses', () => {
  it('a live intent whose symbol has no open-orders list waits for the next pass: no fetch spent on it', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'live', ['SENT']);
    const orderId = book(s, 'live');
    await s.journal.updateState('live', 'OPEN', { exchangeOrderId: String(orderId) });
    s.router.engine.fillOrder('BTCUSDT', { orderId });
    s.router.setFaults({ failures: [{ method: 'GET', path: '/api/v3/openOrders', status: 502 }] });
    s.router.resetStats();
    const report = await drive(s.clock, new OrderFollower(s.rex).pass());
    expect(report.errors.map((e) => e.scope)).toEqual([`open orders ${SYMBOL}`]);
    expect(report.updated).toEqual([]);
    expect(s.router.stats().byRoute['GET /api/v3/order']).toBeUndefined();
    expect(await stateOf(s.journal, 'live')).toBe('OPEN');
  });

  it('a live intent whose fetch fails is an error, and stays as it was', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'live', ['SENT']);
    const orderId = book(s, 'live');
    await s.journal.updateState('live', 'OPEN', { exchangeOrderId: String(orderId) });
    s.router.engine.fillOrder('BTCUSDT', { orderId });
    s.router.setFaults({ failures: [{ method: 'GET', path: '/api/v3/order', status: 502 }] });
    const report = await drive(s.clock, new OrderFollower(s.rex).pass());
    expect(report.errors.map((e) => e.scope)).toEqual(['intent live']);
    expect(report.errors[0]?.error).toBeInstanceOf(Error);
    expect(report.clean).toBe(false);
    expect(await stateOf(s.journal, 'live')).toBe('OPEN');
  });

  it('a live intent with no order id that no lookup finds stays as it was, without an error', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'ghost', ['SENT', 'OPEN']);
    const report = await drive(s.clock, new OrderFollower(s.rex).pass());
    expect(report.errors).toEqual([]);
    expect(report.updated).toEqual([]);
    expect(await stateOf(s.journal, 'ghost')).toBe('OPEN');
  });

  it("an unresolved intent whose lookup fails is an error and stays unresolved", async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'doubt', ['SENT', 'UNKNOWN']);
    s.router.setFaults({ failures: [{ method: 'GET', path: '/api/v3/order', status: 502, times: 5 }, { method: 'GET', path: '/api/v3/allOrders', status: 502, times: 5 }] });
    const report = await drive(s.clock, new OrderFollower(s.rex).pass());
    expect(report.errors.map((e) => e.scope)).toEqual(['intent doubt']);
    expect(report.errors[0]?.error).toBeInstanceOf(Error);
    expect(report.unresolved).toEqual(['doubt']);
  });

  it('a failed clock-offset measurement is an error; the intent stays UNKNOWN and the pass still reports', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'doubt', ['SENT', 'UNKNOWN']);
    await s.clock.advance(60_000);
    s.router.setFaults({ failures: [{ method: 'GET', path: '/api/v3/time', status: 502 }] });
    const report = await drive(s.clock, new OrderFollower(s.rex).pass());
    expect(report.errors.map((e) => e.scope)).toEqual(['clock offset']);
    expect(report.errors[0]?.error).toBeInstanceOf(Error);
    expect(report.unresolved).toEqual(['doubt']);
    expect(await stateOf(s.journal, 'doubt')).toBe('UNKNOWN');
  });
});

describe('order follower: unresolved intents', () => {
  it('an UNKNOWN intent found open is journalled in its state, with no lookup spent on it', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'found', ['SENT', 'UNKNOWN']);
    const orderId = book(s, 'found');
    s.router.resetStats();
    const report = await drive(s.clock, new OrderFollower(s.rex).pass());
    expect(report.resolved).toEqual([{ intentId: 'found', state: 'OPEN', orderId: String(orderId) }]);
    expect(await stateOf(s.journal, 'found')).toBe('OPEN');
    expect(s.router.stats().byRoute).toEqual({ 'GET /api/v3/openOrders': 1 });
  });

  it('caps lookups of unresolved intents per pass: the rest stay unresolved for the next pass', async () => {
    const s = await followerSetup();
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      await journalIntent(s.journal, id, ['SENT', 'UNKNOWN']);
      const orderId = book(s, id, 49_000 - i);
      s.router.engine.fillOrder('BTCUSDT', { orderId });
    }
    const follower = new OrderFollower(s.rex, { maxFetchesPerPass: 2 });
    const first = await drive(s.clock, follower.pass());
    expect(first.resolved.map((r) => r.intentId)).toEqual(['a', 'b']);
    expect(first.unresolved).toEqual(['c']);
    const second = await drive(s.clock, follower.pass());
    expect(second.resolved.map((r) => r.intentId)).toEqual(['c']);
    expect(second.clean).toBe(true);
  });

  it('an abandoned PENDING or SENT intent is taken as UNKNOWN only once untouched for longer than abandonedAfterMs', async () => {
    const s = await followerSetup({ neverPlaced: null });
    await journalIntent(s.journal, 'sent', ['SENT']);
    await journalIntent(s.journal, 'pending', []);
    await journalIntent(s.journal, 'unknown', ['SENT', 'UNKNOWN']);
    const follower = new OrderFollower(s.rex, { abandonedAfterMs: 60_000 });
    await s.clock.advance(60_000);
    const atLimit = await drive(s.clock, follower.pass(), 0);
    expect([...atLimit.unresolved].sort()).toEqual(['pending', 'sent', 'unknown']);
    expect(await stateOf(s.journal, 'sent')).toBe('SENT');
    expect(await stateOf(s.journal, 'pending')).toBe('PENDING');
    await s.clock.advance(1);
    await drive(s.clock, follower.pass(), 0);
    expect(await stateOf(s.journal, 'sent')).toBe('UNKNOWN');
    expect(await stateOf(s.journal, 'pending')).toBe('UNKNOWN');
    expect(s.events.map((e) => [e.intentId, e.from, e.to, e.error])).toEqual([
      ['sent', 'SENT', 'UNKNOWN', 'found SENT with no placement running'],
      ['pending', 'PENDING', 'UNKNOWN', 'found PENDING with no placement running'],
    ]);
  });

  it('the never-placed deadline runs from when an abandoned intent was taken as UNKNOWN, not from when it was sent', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'sent', ['SENT']);
    const follower = new OrderFollower(s.rex, { abandonedAfterMs: 60_000 });
    await s.clock.advance(59_000);
    const report = await drive(s.clock, follower.pass(), 0);
    expect(report.failed).toEqual([]);
    expect(report.unresolved).toEqual(['sent']);
    expect(await stateOf(s.journal, 'sent')).toBe('SENT');
  });

  it('with no never-placed rule, an intent past the grace period ends FAILED with the reason, and the pass is clean', async () => {
    const s = await followerSetup({ neverPlaced: null });
    await journalIntent(s.journal, 'old', ['SENT', 'UNKNOWN']);
    await s.clock.advance(1_001);
    const report = await drive(s.clock, new OrderFollower(s.rex, { unknownGraceMs: 1_000 }).pass(), 0);
    expect(report).toMatchObject({ failed: ['old'], neverPlaced: [], unresolved: [], clean: true });
    expect((await s.journal.get('old'))?.error).toBe('not found on the exchange after the grace period: never placed');
  });

  it('the never-placed reason says how long the order was not found', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'lost', ['SENT', 'UNKNOWN']);
    await s.clock.advance(30_000);
    const report = await drive(s.clock, new OrderFollower(s.rex).pass(), 0);
    expect(report.neverPlaced).toEqual(['lost']);
    expect((await s.journal.get('lost'))?.error).toMatch(/^never placed: not found 30000 ms after its outcome became unknown; binance refuses/);
  });

  it('measures the clock offset once per offsetRefreshMs, again at exactly that age', async () => {
    const s = await followerSetup();
    await journalIntent(s.journal, 'doubt', ['SENT', 'UNKNOWN']);
    const follower = new OrderFollower(s.rex, { offsetRefreshMs: 10_000 });
    const timeRequests = (): number => s.router.stats().byRoute['GET /api/v3/time'] ?? 0;
    s.router.resetStats();
    await drive(s.clock, follower.pass(), 0);
    expect(timeRequests()).toBe(1);
    await s.clock.advance(9_999);
    await drive(s.clock, follower.pass(), 0);
    expect(timeRequests()).toBe(1);
    await s.clock.advance(1);
    await drive(s.clock, follower.pass(), 0);
    expect(timeRequests()).toBe(2);
  });
});

describe('order follower: adopted orphans', () => {
  it("are journalled as the exchange shows them: its client order id, side, amount (not what remains) and price", async () => {
    const s = await followerSetup();
    const sell = s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 0.02, price: 60_000, clientOrderId: 'manual-sell' });
    const buy = s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.03, price: 40_000, clientOrderId: 'manual-buy' });
    if (!sell.ok || !buy.ok) throw new Error('setup');
    s.router.engine.fillOrder('BTCUSDT', { orderId: sell.order.orderId }, 0.005);
    const report = await drive(s.clock, new OrderFollower(s.rex, { symbols: [SYMBOL] }).pass());
    expect(report.adopted.map((a) => a.orderId)).toEqual([String(sell.order.orderId), String(buy.order.orderId)]);
    expect(await s.journal.get(`adopted:${sell.order.orderId}`)).toMatchObject({
      clientOrderId: 'manual-sell',
      side: 'sell',
      type: 'limit',
      amount: 0.02,
      price: 60_000,
      state: 'PARTIALLY_FILLED',
      exchangeOrderId: String(sell.order.orderId),
    });
    expect(await s.journal.get(`adopted:${buy.order.orderId}`)).toMatchObject({ clientOrderId: 'manual-buy', side: 'buy', amount: 0.03, price: 40_000 });
  });

  it('are left alone with adoptOrphans: false', async () => {
    const s = await followerSetup();
    s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 0.02, price: 60_000, clientOrderId: 'manual' });
    const report = await drive(s.clock, new OrderFollower(s.rex, { symbols: [SYMBOL], adoptOrphans: false }).pass());
    expect(report.adopted).toEqual([]);
    expect(await s.journal.listByState(['OPEN'])).toEqual([]);
  });

  it('an adoption the journal refuses is an error naming the order', async () => {
    const s = await followerSetup();
    const placed = s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 0.02, price: 60_000, clientOrderId: 'manual' });
    if (!placed.ok) throw new Error('setup');
    s.journal.putIfAbsent = () => Promise.reject(new Error('disk full'));
    const report = await drive(s.clock, new OrderFollower(s.rex, { symbols: [SYMBOL] }).pass());
    expect(report.adopted).toEqual([]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]?.scope).toBe(`adopt order ${placed.order.orderId}`);
    expect((report.errors[0]?.error as Error).message).toBe(`adopting order ${placed.order.orderId}: disk full`);
    expect(report.clean).toBe(false);
  });
});
