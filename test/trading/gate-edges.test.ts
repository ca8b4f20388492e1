/**
 * The gate at its edges: the reduce-only tolerance, option bounds, the defaults an operator relies
 * on (who, why), the order of the conditions it names, what the status and the history say, and
 * the unknown-orders rule as wired by watchExchange.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Emitter } from '../../src/core/events.js';
import { type BreakerLike, tradingGate, UNKNOWN_ORDERS } from '../../src/trading/gate.js';
import type { OrderRequest } from '../../src/trading/orders/admission.js';

const order = (side: 'buy' | 'sell', amount: number): OrderRequest => ({ symbol: 'BTC/USDT', side, type: 'limit', amount, price: 100, params: {} });

/** A breaker whose state the test sets. */
function fakeBreaker(state = 'closed'): BreakerLike & { set(to: string): void } {
  const events = new Emitter<{ stateChange: { to: string } }>();
  return {
    get state() {
      return state;
    },
    on: (name, listener) => events.on(name, listener),
    set(to: string) {
      state = to;
      events.emit('stateChange', { to });
    },
  };
}

/** What watchExchange needs of a resilient exchange, driven by the test. */
function fakeExchange(id = 'binance') {
  const events = new Emitter<{ unresolved: { intentId: string }; intent: { intentId: string; from: string | undefined; to: string } }>();
  const breakers = { exchange: fakeBreaker(), groups: { orders: fakeBreaker() } };
  return { id, breakers, on: events.on.bind(events) as never, events };
}

describe('tradingGate: reducing admits what only reduces the position, to the last 1e-12', () => {
  it('a sell of the whole long position passes, within float rounding; a hair more is refused', () => {
    let position = 0.1 + 0.2; // 0.30000000000000004
    const gate = tradingGate({ positionOf: () => position });
    gate.raise('x', 'reducing', 'test');
    expect(gate.admit(order('sell', 0.3))).toEqual({ reduceOnly: true });
    position = 2;
    expect(gate.admit(order('sell', 2 + 1e-12))).toEqual({ reduceOnly: true });
    expect(() => gate.admit(order('sell', 2 + 1e-9))).toThrow(/reducing/);
  });

  it('a buy of the whole short position passes (tolerance inclusive); more than the short is refused', () => {
    let position = -2;
    const gate = tradingGate({ positionOf: () => position });
    gate.raise('x', 'reducing', 'test');
    expect(gate.admit(order('buy', 2))).toEqual({ reduceOnly: true });
    expect(gate.admit(order('buy', 2 + 1e-12))).toEqual({ reduceOnly: true });
    expect(() => gate.admit(order('buy', 3))).toThrow(/reducing/);
    position = 0;
    expect(() => gate.admit(order('buy', 1))).toThrow(/reducing/);
    expect(() => gate.admit(order('sell', 1))).toThrow(/reducing/);
  });
});

describe('tradingGate: options', () => {
  it('rejects maxUnknownOrders below 1 and a window that is not positive, naming the option', () => {
    expect(() => tradingGate({ maxUnknownOrders: 0 })).toThrow(/maxUnknownOrders must be an integer >= 1, got 0/);
    expect(() => tradingGate({ unknownOrderWindowMs: 0 })).toThrow('tradingGate: unknownOrderWindowMs must be a finite number > 0 (or Infinity), got 0');
    expect(() => tradingGate({ unknownOrderWindowMs: -1 })).toThrow(RangeError);
    expect(() => tradingGate({ unknownOrderWindowMs: 1 })).not.toThrow();
  });

  it('by default an unknown order counts for ten minutes', async () => {
    const clock = new ManualClock();
    const gate = tradingGate({ clock, maxUnknownOrders: 1 });
    gate.reportUnknownOrder('a');
    await clock.advance(10 * 60_000 - 1);
    expect(gate.unknownOrders()).toBe(1);
    expect(gate.status.mode).toBe('halted');
    await clock.advance(1);
    expect(gate.unknownOrders()).toBe(0);
    expect(gate.status.mode).toBe('active');
  });

  it('keeps the last historySize changes', () => {
    const gate = tradingGate({ historySize: 2 });
    gate.kill('one');
    gate.resume('two');
    gate.kill('three');
    expect(gate.history().map((c) => c.reason)).toEqual(['two', 'kill switch: three']);
  });
});

describe('tradingGate: status and history say why', () => {
  it('a new gate is active because it started; status.killed follows the kill switch', () => {
    const gate = tradingGate();
    expect(gate.status).toMatchObject({ mode: 'active', reason: 'started', killed: false, kill: null });
    gate.kill('incident');
    expect(gate.status.killed).toBe(true);
    gate.resume();
    expect(gate.status.killed).toBe(false);
  });

  it('while active, the status keeps the reason it became active for', () => {
    const gate = tradingGate();
    gate.restore({ kill: null, acknowledged: [] });
    expect(gate.status.reason).toBe('started');
    gate.raise('x', 'reducing', 'test');
    gate.clear('x', 'x is over');
    gate.restore({ kill: null, acknowledged: [] });
    expect(gate.status.reason).toBe('x is over');
  });

  it('the kill switch is named while it holds, even when a halting condition is raised after it', () => {
    const gate = tradingGate();
    gate.kill('incident');
    gate.raise('loss', 'halted', 'limit reached');
    expect(gate.status.reason).toBe('kill switch: incident');
    gate.raise('x', 'reducing', 'test');
    expect(gate.status.reason).toBe('kill switch: incident');
  });

  it('a less severe condition raised after a halting one does not lower the mode; the most severe is named', () => {
    const gate = tradingGate();
    gate.raise('loss', 'halted', 'limit reached');
    gate.raise('stale', 'reducing', 'no quotes');
    expect(gate.mode).toBe('halted');
    expect(gate.status.reason).toBe('loss: limit reached');
  });

  it('an acknowledgement that lowers the mode records the condition that still holds', () => {
    const clock = new ManualClock(100);
    const gate = tradingGate({ clock });
    gate.raise('stale', 'reducing', 'no quotes');
    gate.raise('loss', 'halted', 'limit reached');
    gate.acknowledge('loss', 'accepted');
    expect(gate.mode).toBe('reducing');
    expect(gate.history().at(-1)).toEqual({ from: 'halted', to: 'reducing', reason: 'stale: no quotes', at: 100 });
    gate.acknowledge('stale', 'quotes checked');
    expect(gate.history().at(-1)).toEqual({ from: 'reducing', to: 'active', reason: 'stale acknowledged: quotes checked', at: 100 });
  });

  it('clearing a condition records a default reason naming it', () => {
    const gate = tradingGate();
    gate.raise('custom', 'reducing', 'test');
    gate.clear('custom');
    expect(gate.history().at(-1)?.reason).toBe('custom cleared');
  });

  it('a condition keeps the time it was first raised; re-raising it more severe with the same reason changes the mode', async () => {
    const clock = new ManualClock(1_000);
    const gate = tradingGate({ clock });
    gate.raise('custom', 'reducing', 'same');
    expect(gate.conditions()).toEqual([{ name: 'custom', mode: 'reducing', reason: 'same', since: 1_000 }]);
    await clock.advance(500);
    gate.raise('custom', 'halted', 'same');
    expect(gate.mode).toBe('halted');
    expect(gate.conditions()).toEqual([{ name: 'custom', mode: 'halted', reason: 'same', since: 1_000 }]);
  });

  it('conditions() hands out copies: changing one changes nothing in the gate', () => {
    const gate = tradingGate({ clock: new ManualClock(1) });
    gate.raise('custom', 'reducing', 'test');
    gate.acknowledge('custom', 'fine', 'bob');
    const [copy] = gate.conditions();
    copy!.acknowledged!.by = 'mallory';
    expect(gate.conditions()[0]?.acknowledged?.by).toBe('bob');
    expect(gate.operatorState().acknowledged).toEqual([{ condition: 'custom', reason: 'fine', by: 'bob', at: 1 }]);
  });

  it('raise() refuses a mode other than reducing or halted', () => {
    const gate = tradingGate();
    expect(() => gate.raise('x', 'active' as never, 'test')).toThrow(/mode must be 'reducing' or 'halted', got active/);
    expect(gate.conditions()).toEqual([]);
  });
});

describe('tradingGate: operator actions at their defaults', () => {
  it('kill and resume are by the operator by default; resume says why by default; an empty kill reason reads "kill switch"', () => {
    const gate = tradingGate({ clock: new ManualClock(9) });
    const actions: unknown[] = [];
    gate.on('operator', (a) => actions.push(a));
    gate.kill('');
    expect(gate.status.kill).toEqual({ reason: 'kill switch', by: 'operator', at: 9 });
    gate.resume();
    expect(actions).toEqual([
      { action: 'kill', reason: 'kill switch', by: 'operator', at: 9 },
      { action: 'resume', reason: 'kill switch released', by: 'operator', at: 9 },
    ]);
    expect(gate.history().at(-1)?.reason).toBe('kill switch released');
  });

  it('a resume with no kill switch on tells no operator event', () => {
    const gate = tradingGate();
    const actions: unknown[] = [];
    gate.on('operator', (a) => actions.push(a));
    expect(gate.resume().released).toBe(false);
    expect(actions).toEqual([]);
  });

  it('resume names the conditions still holding, most severe first, leaving out acknowledged ones', () => {
    const gate = tradingGate();
    gate.raise('stale', 'reducing', 'no quotes');
    gate.raise('loss', 'halted', 'limit reached');
    gate.raise('old', 'reducing', 'known');
    gate.acknowledge('old', 'accepted');
    const result = gate.resume();
    expect(result.holding.map((c) => c.name)).toEqual(['loss', 'stale']);
    expect(result.message).toBe('the kill switch was not on; still halted, held by loss (halted): limit reached; stale (reducing): no quotes; acknowledge a condition to trade past it');
  });

  it('acknowledge: by the operator by default, returns the condition acknowledged; names "none" when nothing is raised; refuses a reason that is not a string', () => {
    const gate = tradingGate({ clock: new ManualClock(3) });
    expect(() => gate.acknowledge('x', 'why')).toThrow('tradingGate.acknowledge: no condition "x" is raised (raised: none)');
    gate.raise('a', 'reducing', 'test');
    gate.raise('b', 'reducing', 'test');
    expect(() => gate.acknowledge('x', 'why')).toThrow('tradingGate.acknowledge: no condition "x" is raised (raised: a, b)');
    gate.raise('x', 'reducing', 'test');
    expect(() => gate.acknowledge('x', undefined as unknown as string)).toThrow('tradingGate.acknowledge: reason must be a non-empty string, got undefined');
    expect(gate.acknowledge('x', 'fine')).toEqual({ name: 'x', mode: 'reducing', reason: 'test', since: 3, acknowledged: { reason: 'fine', by: 'operator', at: 3 } });
  });

  it('restore() acknowledges the conditions raised now, ignores others, and records why the mode changed', () => {
    const gate = tradingGate({ clock: new ManualClock(4) });
    gate.raise('custom', 'reducing', 'test');
    expect(gate.operatorState()).toEqual({ kill: null, acknowledged: [] });
    gate.restore({ kill: null, acknowledged: [{ condition: 'custom', reason: 'fine', by: 'bob', at: 1 }, { condition: 'gone', reason: 'old', by: 'bob', at: 1 }] });
    expect(gate.mode).toBe('active');
    expect(gate.history().at(-1)?.reason).toBe('operator state restored');
    expect(gate.operatorState()).toEqual({ kill: null, acknowledged: [{ condition: 'custom', reason: 'fine', by: 'bob', at: 1 }] });
  });
});

describe('tradingGate: rules', () => {
  it('a breaker is watched as condition breaker:<name> ("orders" by default), with its state in the reason', () => {
    const gate = tradingGate();
    const breaker = fakeBreaker('open');
    const off = gate.watchBreaker(breaker);
    expect(gate.conditions()).toEqual([expect.objectContaining({ name: 'breaker:orders', mode: 'reducing', reason: 'breaker orders is open' })]);
    breaker.set('closed');
    expect(gate.mode).toBe('active');
    expect(gate.history().at(-1)?.reason).toBe('breaker orders closed');
    off();
  });

  it('a breaker forced to disabled or metrics-only refuses nothing: the gate stays active', () => {
    const gate = tradingGate();
    const breaker = fakeBreaker('open');
    const off = gate.watchBreaker(breaker);
    expect(gate.mode).toBe('reducing');
    breaker.set('disabled');
    expect(gate.mode).toBe('active');
    expect(gate.history().at(-1)?.reason).toBe('breaker orders disabled');
    breaker.set('half-open');
    breaker.set('metrics-only');
    expect(gate.mode).toBe('active');
    off();
  });

  it('loss: the reason names the loss and the limit, raising and clearing', () => {
    const gate = tradingGate({ maxLoss: 5 });
    gate.reportLoss(5);
    expect(gate.status.reason).toBe('loss: loss 5 reached the limit 5');
    gate.reportLoss(1);
    expect(gate.history().at(-1)?.reason).toBe('loss 1 back under the limit');
  });

  it('the unknown-orders rule raises the condition "unknown-orders" and records its clearing', () => {
    const gate = tradingGate({ maxUnknownOrders: 1 });
    expect(UNKNOWN_ORDERS).toBe('unknown-orders');
    gate.reportUnknownOrder('a');
    expect(gate.conditions().map((c) => c.name)).toEqual(['unknown-orders']);
    gate.reportResolved('a');
    expect(gate.history().at(-1)?.reason).toBe('unknown orders resolved: 0 unresolved within the window');
  });

  it('resolving one of several unknown orders while still over the limit keeps an acknowledgement (no new firing)', () => {
    const gate = tradingGate({ clock: new ManualClock(0), maxUnknownOrders: 2 });
    for (const id of ['a', 'b', 'c']) gate.reportUnknownOrder(id);
    gate.acknowledge(UNKNOWN_ORDERS, 'checking by hand');
    gate.reportResolved('a');
    expect(gate.mode).toBe('active');
    expect(gate.conditions()[0]?.acknowledged?.reason).toBe('checking by hand');
    gate.reportResolved('not-counted');
    gate.syncUnknownOrders('reported', [{ intentId: 'b', since: 0 }, { intentId: 'c', since: 0 }]);
    expect(gate.conditions()[0]?.acknowledged?.reason).toBe('checking by hand');
  });

  it("reports made without a source are the source 'reported': its complete list replaces them", () => {
    const gate = tradingGate({ clock: new ManualClock(0), maxUnknownOrders: 1 });
    gate.reportUnknownOrder('a');
    gate.syncUnknownOrders('journal', []);
    expect(gate.unknownOrders()).toBe(1);
    gate.syncUnknownOrders('reported', []);
    expect(gate.unknownOrders()).toBe(0);
    expect(gate.mode).toBe('active');
  });

  it('watchExchange: unresolved orders count until an intent leaves UNKNOWN; other transitions resolve nothing', () => {
    const gate = tradingGate({ maxUnknownOrders: 1 });
    const rex = fakeExchange();
    gate.watchExchange(rex);
    rex.events.emit('unresolved', { intentId: 'x' });
    expect(gate.mode).toBe('halted');
    rex.events.emit('intent', { intentId: 'x', from: 'SENT', to: 'OPEN' });
    rex.events.emit('intent', { intentId: 'x', from: 'UNKNOWN', to: 'UNKNOWN' });
    expect(gate.mode).toBe('halted');
    rex.events.emit('intent', { intentId: 'x', from: 'UNKNOWN', to: 'OPEN' });
    expect(gate.mode).toBe('active');
  });

  it('watchExchange: the exchange and orders breakers are named after the exchange; unsubscribing stops every rule', () => {
    const gate = tradingGate({ maxUnknownOrders: 1 });
    const rex = fakeExchange('kraken');
    const off = gate.watchExchange(rex);
    rex.breakers.exchange.set('open');
    rex.breakers.groups.orders.set('half-open');
    expect(gate.conditions().map((c) => c.name)).toEqual(['breaker:kraken:all', 'breaker:kraken:orders']);
    off();
    rex.breakers.exchange.set('closed');
    rex.breakers.groups.orders.set('closed');
    rex.events.emit('unresolved', { intentId: 'y' });
    expect(gate.conditions().map((c) => c.name)).toEqual(['breaker:kraken:all', 'breaker:kraken:orders']);
    expect(gate.unknownOrders()).toBe(0);
  });
});
