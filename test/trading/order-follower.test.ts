/**
 * The order follower against the in-process simulator on a ManualClock: fills, partial fills,
 * cancels reach the journal within one interval; UNKNOWN intents settle in the background as soon
 * as the exchange answers, or end FAILED (never placed) once Binance's timing rule says they can
 * no longer appear; lost requests, slow matching and delayed visibility are exercised by the
 * simulator's faults.
 */
import ccxt from 'ccxt';
import { type Clock, ManualClock } from '../../src/core/clock.js';
import { simFetch } from '../../src/trading/sim/fetch.js';
import { describe, expect, it } from 'vitest';
import { resilientExchange, type ResilientExchange } from '../../src/trading/exchange.js';
import { tradingGate } from '../../src/trading/gate.js';
import { followOrders, OrderFollower } from '../../src/trading/order-follower.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import { neverPlacedRules } from '../../src/trading/orders/never-placed.js';
import { SIM_BACKEND_TIMEOUT_MS, createSimRouter } from '../../src/trading/sim/router.js';
import { drive } from './support/offline-binance.js';
import { type FollowerSetup, followerSetup, stateOf } from './support/follower-setup.js';

const SYMBOL = 'BTC/USDT';
const rule = neverPlacedRules.binance!;
/** After the intent became UNKNOWN: recvWindow + backend timeout + visibility margin (clock offset 0 here). */
const DEADLINE_MS = rule.recvWindowMs + rule.backendTimeoutMs + rule.visibilityMarginMs;


/** Advances the clock in 100 ms steps until `check` holds; returns the ms it took (Infinity if never within `maxMs`). */
async function msUntil(clock: ManualClock, check: () => Promise<boolean>, maxMs = 60_000): Promise<number> {
  for (let waited = 0; waited <= maxMs; waited += 100) {
    if (await check()) return waited;
    await clock.advance(100);
  }
  return Infinity;
}


/** Places an order whose reply is lost and whose lookups fail: the intent ends UNKNOWN, the order is booked. */
async function lostReply(s: FollowerSetup, intentId: string): Promise<void> {
  s.router.setFaults({ dropReplyAfterAccept: 1, failures: [{ method: 'GET', status: 502, times: 3 }] });
  await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId })).catch(() => undefined);
  s.router.setFaults({ failures: [] });
}

describe('order follower: the journal follows every order to its end', () => {
  it('fills, partial fills and cancels reach the journal within one interval', async () => {
    const s = await followerSetup();
    const a = await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.02, 49_000, { intentId: 'a' }));
    const b = await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 48_000, { intentId: 'b' }));
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'sell', 0.01, 60_000, { intentId: 'c' }));
    const follower = followOrders(s.rex, { intervalMs: 1_000 });
    try {
      s.router.engine.fillOrder('BTCUSDT', { orderId: Number(a.id) }, 0.005);
      expect(await msUntil(s.clock, async () => (await stateOf(s.journal, 'a')) === 'PARTIALLY_FILLED')).toBeLessThanOrEqual(1_000);
      s.router.engine.fillOrder('BTCUSDT', { orderId: Number(a.id) });
      s.router.engine.cancelOrder('BTCUSDT', { orderId: Number(b.id) });
      expect(await msUntil(s.clock, async () => (await stateOf(s.journal, 'a')) === 'FILLED' && (await stateOf(s.journal, 'b')) === 'CANCELED')).toBeLessThanOrEqual(1_000);
      expect(await stateOf(s.journal, 'c')).toBe('OPEN');
    } finally {
      await follower.stop();
    }
  });

  it('a pass costs one open-orders request per symbol while every order rests, and a fetch per order that left', async () => {
    const s = await followerSetup();
    const a = await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'a' }));
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 48_000, { intentId: 'b' }));
    const follower = new OrderFollower(s.rex);
    s.router.resetStats();
    expect((await drive(s.clock, follower.pass())).clean).toBe(true);
    expect(s.router.stats().byRoute).toEqual({ 'GET /api/v3/openOrders': 1 });
    s.router.engine.fillOrder('BTCUSDT', { orderId: Number(a.id) });
    s.router.resetStats();
    const report = await drive(s.clock, follower.pass());
    expect(report.updated).toEqual([{ intentId: 'a', from: 'OPEN', to: 'FILLED' }]);
    expect(s.router.stats().byRoute).toEqual({ 'GET /api/v3/openOrders': 1, 'GET /api/v3/order': 1 });
  });

  it('caps fetches per pass: what is left waits for the next pass', async () => {
    const s = await followerSetup();
    const ids = ['a', 'b', 'c'];
    for (const [i, id] of ids.entries()) await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000 - i, { intentId: id }));
    for (const order of s.router.engine.allOrdersHeld()) s.router.engine.fillOrder('BTCUSDT', { orderId: order.orderId });
    const follower = new OrderFollower(s.rex, { maxFetchesPerPass: 2 });
    expect((await drive(s.clock, follower.pass())).updated.map((u) => u.intentId)).toEqual(['a', 'b']);
    expect((await drive(s.clock, follower.pass())).updated.map((u) => u.intentId)).toEqual(['c']);
  });

  it('an UNKNOWN intent is resolved in the background as soon as the exchange answers, and the gate clears', async () => {
    const s = await followerSetup();
    const gate = tradingGate({ clock: s.clock, maxUnknownOrders: 1 });
    gate.watchExchange(s.rex);
    await lostReply(s, 'lost');
    expect(await stateOf(s.journal, 'lost')).toBe('UNKNOWN');
    expect(gate.mode).toBe('halted');
    expect(gate.status.reason).toMatch(/unknown-orders: 1 orders of unknown status/);
    s.router.setFaults({ maintenance: true });
    const follower = followOrders(s.rex, { gate, intervalMs: 1_000 });
    try {
      await s.clock.advance(3_000);
      expect(await stateOf(s.journal, 'lost')).toBe('UNKNOWN');
      expect(gate.mode).toBe('halted');
      s.router.setFaults({ maintenance: false });
      expect(await msUntil(s.clock, async () => (await stateOf(s.journal, 'lost')) === 'OPEN')).toBeLessThanOrEqual(1_000);
      expect(gate.mode).toBe('active');
      expect(s.events.filter((e) => e.intentId === 'lost').map((e) => e.to)).toEqual(['PENDING', 'SENT', 'UNKNOWN', 'OPEN']);
    } finally {
      await follower.stop();
    }
  });
});

describe('gate.watchExchange: the unknown-orders rule follows the intents', () => {
  it('an unresolved order halts the gate; its resolution (any lookup) clears it', async () => {
    const s = await followerSetup();
    const gate = tradingGate({ clock: s.clock, maxUnknownOrders: 1 });
    gate.watchExchange(s.rex);
    await lostReply(s, 'lost');
    expect(gate.mode).toBe('halted');
    expect(await drive(s.clock, s.rex.lookUpIntent('lost'))).toMatchObject({ status: 'open' });
    expect(gate.mode).toBe('active');
    expect(gate.conditions()).toEqual([]);
  });
});

describe('order follower feeds the gate from the journal', () => {
  it('UNKNOWN intents found in the journal (say, after a restart) hold the gate until a pass settles them', async () => {
    const s = await followerSetup();
    await s.journal.putIfAbsent({ intentId: 'old', clientOrderId: 'bwold', exchange: 'binance', symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000 });
    await s.journal.updateState('old', 'SENT');
    await s.journal.updateState('old', 'UNKNOWN');
    const gate = tradingGate({ clock: s.clock, maxUnknownOrders: 1 });
    const follower = new OrderFollower(s.rex, { gate });
    await drive(s.clock, follower.pass(), 0);
    expect(gate.mode).toBe('halted');
    s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId: 'bwold' });
    await drive(s.clock, follower.pass(), 0);
    expect(await stateOf(s.journal, 'old')).toBe('OPEN');
    expect(gate.mode).toBe('active');
  });
});

describe('order follower: never placed (Binance: timestamp + recvWindow)', () => {
  it('sends an explicit recvWindow with every order and journals it', async () => {
    const s = await followerSetup();
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'a' }));
    expect((await s.journal.get('a'))?.params.recvWindow).toBe(rule.recvWindowMs);
  });

  it('a lost request ends FAILED as never placed once the deadline has passed, not a millisecond earlier', async () => {
    const s = await followerSetup();
    s.router.setFaults({ loseRequests: 1 });
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'lost' })).catch(() => undefined);
    const unknownAt = (await s.journal.get('lost'))!.updatedAt;
    expect(await stateOf(s.journal, 'lost')).toBe('UNKNOWN');
    expect(s.router.stats().ordersAccepted).toBe(0);
    const follower = new OrderFollower(s.rex);
    await s.clock.advance(unknownAt + DEADLINE_MS - s.clock.now());
    const atDeadline = await drive(s.clock, follower.pass(), 0);
    expect(atDeadline.unresolved).toEqual(['lost']);
    expect(await stateOf(s.journal, 'lost')).toBe('UNKNOWN');
    await s.clock.advance(1);
    const after = await drive(s.clock, follower.pass(), 0);
    expect(after.failed).toEqual(['lost']);
    expect(after.neverPlaced).toEqual(['lost']);
    expect(after.clean).toBe(true);
    const record = await s.journal.get('lost');
    expect(record?.state).toBe('FAILED');
    expect(record?.error).toMatch(/never placed: .*timestamp \+ recvWindow \(5000 ms\)/);
    expect(s.events.at(-1)).toMatchObject({ intentId: 'lost', from: 'UNKNOWN', to: 'FAILED', cause: 'never-placed' });
  });

  it('the deadline grows by the measured clock offset to the exchange', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    // The exchange's clock runs 3 s ahead of ours.
    const exchangeClock: Clock = { now: () => clock.now() + 3_000, sleep: (ms, signal) => clock.sleep(ms, signal) };
    const router = createSimRouter({ clock: exchangeClock });
    const exchange = new ccxt.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, fetchImplementation: simFetch(router) });
    exchange.milliseconds = () => clock.now();
    await exchange.loadMarkets();
    const journal = memoryJournal({ clock });
    const rex = resilientExchange(exchange, { clock, journal, lookupAttempts: 1, breaker: false });
    await expect(drive(clock, rex.measureClockOffset())).resolves.toBe(3_000);
    router.setFaults({ loseRequests: 1 });
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'lost' })).catch(() => undefined);
    const unknownAt = (await journal.get('lost'))!.updatedAt;
    const follower = new OrderFollower(rex);
    await clock.advance(unknownAt + DEADLINE_MS + 3_000 - clock.now());
    expect((await drive(clock, follower.pass(), 0)).unresolved).toEqual(['lost']);
    await clock.advance(1);
    expect((await drive(clock, follower.pass(), 0)).neverPlaced).toEqual(['lost']);
  });

  it('an exchange without the guarantee keeps the intent UNKNOWN past that deadline, until the grace period', async () => {
    const s = await followerSetup({ neverPlaced: null });
    s.router.setFaults({ loseRequests: 1 });
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'lost' })).catch(() => undefined);
    expect((await s.journal.get('lost'))?.params.recvWindow).toBeUndefined();
    const follower = new OrderFollower(s.rex, { unknownGraceMs: 5 * 60_000 });
    await s.clock.advance(DEADLINE_MS + 1_000);
    expect((await drive(s.clock, follower.pass(), 0)).unresolved).toEqual(['lost']);
    await s.clock.advance(5 * 60_000);
    const report = await drive(s.clock, follower.pass(), 0);
    expect(report.failed).toEqual(['lost']);
    expect(report.neverPlaced).toEqual([]);
    expect(s.events.at(-1)).toMatchObject({ to: 'FAILED', cause: 'grace-expired' });
  });

  it('slow matching past the backend timeout (-1007): the order the engine takes later is found, never failed', async () => {
    const s = await followerSetup();
    s.router.setFaults({ matchingDelayMs: SIM_BACKEND_TIMEOUT_MS + 2_000 });
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'slow', recvWindow: 15_000 })).catch(() => undefined);
    s.router.setFaults({ matchingDelayMs: 0 });
    // The lookups ran before the engine took the order: UNKNOWN, with the order booked since.
    expect(await stateOf(s.journal, 'slow')).toBe('UNKNOWN');
    await s.clock.advance(3_000);
    expect(s.router.stats().ordersAccepted).toBe(1);
    const report = await drive(s.clock, new OrderFollower(s.rex).pass(), 0);
    expect(report.resolved).toEqual([{ intentId: 'slow', state: 'OPEN', orderId: '1' }]);
  });

  it('slow matching past the recvWindow: the engine refuses the order, and the intent ends never placed', async () => {
    const s = await followerSetup();
    s.router.setFaults({ matchingDelayMs: SIM_BACKEND_TIMEOUT_MS + 2_000 });
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'late' })).catch(() => undefined);
    s.router.setFaults({ matchingDelayMs: 0 });
    await s.clock.advance(DEADLINE_MS + 1);
    expect(s.router.stats().ordersAccepted).toBe(0);
    const report = await drive(s.clock, new OrderFollower(s.rex).pass(), 0);
    expect(report.neverPlaced).toEqual(['late']);
  });

  it('an accepted order hidden from lookups within the visibility margin is found, not failed', async () => {
    const s = await followerSetup();
    s.router.setFaults({ dropReplyAfterAccept: 1, visibilityDelayMs: DEADLINE_MS - 1_000 });
    await drive(s.clock, s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'hidden' })).catch(() => undefined);
    expect(await stateOf(s.journal, 'hidden')).toBe('UNKNOWN');
    const follower = followOrders(s.rex, { intervalMs: 1_000 });
    try {
      await msUntil(s.clock, async () => (await stateOf(s.journal, 'hidden')) !== 'UNKNOWN', 2 * DEADLINE_MS);
      expect(await stateOf(s.journal, 'hidden')).toBe('OPEN');
    } finally {
      await follower.stop();
    }
  });

  it('leaves alone an intent whose placement is still running in this process', async () => {
    const s = await followerSetup();
    s.router.setFaults({ matchingDelayMs: 5_000 });
    const placing = s.rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'running' });
    await s.clock.advance(100);
    expect(await stateOf(s.journal, 'running')).toBe('SENT');
    expect(s.rex.isPlacing('running')).toBe(true);
    const report = await new OrderFollower(s.rex).pass();
    expect(report.unresolved).toEqual([]);
    expect(report.resolved).toEqual([]);
    await drive(s.clock, placing);
    expect(await stateOf(s.journal, 'running')).toBe('OPEN');
  });
});

describe('order follower: events', () => {
  it("tells every pass's report, and a background pass that threw", async () => {
    const s = await followerSetup();
    const follower = new OrderFollower(s.rex, { intervalMs: 1_000 });
    const reports: boolean[] = [];
    const failures: string[] = [];
    follower.on('pass', (r) => reports.push(r.clean));
    follower.on('passFailed', ({ error }) => failures.push((error as Error).message));
    follower.start();
    await s.clock.advance(1_000);
    await s.clock.advance(100);
    expect(reports).toEqual([true]);
    s.journal.listByState = () => Promise.reject(new Error('disk gone'));
    await s.clock.advance(1_000);
    await s.clock.advance(100);
    expect(failures).toEqual(['disk gone']);
    await follower.stop();
  });
});

describe('order follower: options', () => {
  it('rejects bad options with the option named', () => {
    const rex = {} as ResilientExchange;
    expect(() => new OrderFollower(rex, { intervalMs: 0 })).toThrow('orderFollower: intervalMs must be a finite number > 0, got 0');
    expect(() => new OrderFollower(rex, { maxFetchesPerPass: 0 })).toThrow(/maxFetchesPerPass/);
    expect(() => new OrderFollower(rex, { unknownGraceMs: -1 })).toThrow(/unknownGraceMs/);
  });
});
