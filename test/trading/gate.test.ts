import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { TradingGateError } from '../../src/trading/errors.js';
import { tradingGate } from '../../src/trading/gate.js';
import { circuitBreaker } from '../../src/policies/breaker/index.js';
import type { OrderRequest } from '../../src/trading/orders/admission.js';

const buy = (amount: number, params: Record<string, unknown> = {}): OrderRequest => ({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount, price: 100, params });
const sell = (amount: number): OrderRequest => ({ symbol: 'BTC/USDT', side: 'sell', type: 'limit', amount, price: 100, params: {} });

describe('tradingGate', () => {
  it('starts active and admits any order', () => {
    const gate = tradingGate();
    expect(gate.mode).toBe('active');
    expect(gate.admit(buy(1))).toEqual({});
  });

  it('kill switch halts everything, with reason and timestamp; resume returns to active', async () => {
    const clock = new ManualClock(1_000);
    const gate = tradingGate({ clock });
    gate.kill('operator: exchange incident');
    expect(gate.mode).toBe('halted');
    expect(() => gate.admit(sell(1))).toThrow(TradingGateError);
    expect(() => gate.admit(sell(1))).toThrow(/halted: kill switch: operator: exchange incident/);
    await clock.advance(500);
    gate.resume('incident over');
    expect(gate.mode).toBe('active');
    expect(gate.history()).toEqual([
      { from: 'active', to: 'halted', reason: 'kill switch: operator: exchange incident', at: 1_000 },
      { from: 'halted', to: 'active', reason: 'incident over', at: 1_500 },
    ]);
  });

  it('reducing lets only exposure-reducing orders pass, and marks them reduce-only', () => {
    let position = 2;
    const gate = tradingGate({ positionOf: () => position });
    gate.raise('reconcile', 'reducing', 'journal not reconciled');
    expect(gate.admit(sell(1))).toEqual({ reduceOnly: true });
    expect(() => gate.admit(sell(3))).toThrow(/reducing-only/);
    expect(() => gate.admit(buy(1))).toThrow(TradingGateError);
    position = -1;
    expect(gate.admit(buy(1))).toEqual({ reduceOnly: true });
  });

  it('without position knowledge, reducing admits only orders already marked reduceOnly', () => {
    const gate = tradingGate();
    gate.raise('x', 'reducing', 'test');
    expect(() => gate.admit(sell(1))).toThrow(TradingGateError);
    expect(gate.admit(buy(1, { reduceOnly: true }))).toEqual({ reduceOnly: true });
  });

  it('the most severe condition wins, and clearing it falls back to the next', () => {
    const gate = tradingGate();
    gate.raise('stale:BTC/USDT', 'reducing', 'stale');
    gate.raise('loss', 'halted', 'loss limit');
    expect(gate.mode).toBe('halted');
    gate.clear('loss');
    expect(gate.mode).toBe('reducing');
    gate.clear('stale:BTC/USDT');
    expect(gate.mode).toBe('active');
    expect(gate.history().map((c) => c.to)).toEqual(['reducing', 'halted', 'reducing', 'active']);
  });

  it('a breaker that opens on the order path moves the gate to reducing; closing clears it', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, clock });
    const gate = tradingGate({ clock });
    gate.watchBreaker(breaker, 'binance:orders');
    await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(gate.mode).toBe('reducing');
    expect(gate.status.reason).toMatch(/breaker binance:orders is open/);
    await clock.advance(1_000);
    await breaker.execute(() => 'ok');
    expect(breaker.state).toBe('closed');
    expect(gate.mode).toBe('active');
  });

  it('loss at the limit halts; repeated unknown orders within the window halt', async () => {
    const clock = new ManualClock();
    const gate = tradingGate({ clock, maxLoss: 500, maxUnknownOrders: 3, unknownOrderWindowMs: 60_000 });
    gate.reportLoss(499);
    expect(gate.mode).toBe('active');
    gate.reportLoss(500);
    expect(gate.mode).toBe('halted');
    gate.reportLoss(100);
    expect(gate.mode).toBe('active');
    gate.reportUnknownOrder();
    gate.reportUnknownOrder();
    await clock.advance(61_000);
    gate.reportUnknownOrder();
    expect(gate.mode).toBe('active');
    gate.reportUnknownOrder();
    gate.reportUnknownOrder();
    expect(gate.mode).toBe('halted');
  });

  it('emits a change event per mode change and rejects bad options', () => {
    const gate = tradingGate();
    const seen: string[] = [];
    gate.on('stateChange', (c) => seen.push(`${c.from}->${c.to}`));
    gate.kill('x');
    gate.kill('y');
    gate.resume();
    expect(seen).toEqual(['active->halted', 'halted->active']);
    expect(() => tradingGate({ maxLoss: 0 })).toThrow('tradingGate: maxLoss must be a finite number > 0 (or Infinity), got 0');
    expect(() => tradingGate({ maxUnknownOrders: 1.5 })).toThrow(/maxUnknownOrders/);
  });
});

describe('tradingGate regressions', () => {
  it('an updated condition with the same mode updates the reason shown (no new history entry)', () => {
    const gate = tradingGate();
    gate.raise('reconcile', 'reducing', 'reconciling');
    gate.raise('reconcile', 'reducing', '2 order intents unresolved');
    expect(gate.status.reason).toBe('reconcile: 2 order intents unresolved');
    expect(gate.history()).toHaveLength(1);
  });
});

describe('tradingGate: unknown orders clear as they resolve', () => {
  it('an unknown order exactly unknownOrderWindowMs old no longer counts; one a millisecond younger does', async () => {
    const clock = new ManualClock();
    const gate = tradingGate({ clock, maxUnknownOrders: 2, unknownOrderWindowMs: 60_000 });
    gate.reportUnknownOrder('a');
    await clock.advance(59_999);
    gate.reportUnknownOrder('b');
    expect(gate.unknownOrders()).toBe(2);
    expect(gate.mode).toBe('halted');
    await clock.advance(1);
    expect(gate.unknownOrders()).toBe(1);
    expect(gate.status.mode).toBe('active');
  });

  it('counts unresolved orders: resolving one clears the halt; a sync from the journal replaces what a source reported', () => {
    const gate = tradingGate({ clock: new ManualClock(1_000), maxUnknownOrders: 2 });
    gate.reportUnknownOrder('a', 'binance');
    gate.reportUnknownOrder('b', 'binance');
    gate.reportUnknownOrder('b', 'binance');
    expect(gate.mode).toBe('halted');
    expect(gate.status.reason).toBe('unknown-orders: 2 orders of unknown status within 600000 ms still unresolved');
    gate.reportResolved('a');
    expect(gate.mode).toBe('active');
    gate.syncUnknownOrders('binance', [{ intentId: 'b', since: 1_000 }, { intentId: 'c', since: 1_000 }]);
    expect(gate.mode).toBe('halted');
    gate.syncUnknownOrders('binance', []);
    expect(gate.mode).toBe('active');
    expect(gate.conditions()).toEqual([]);
  });
});

describe('tradingGate: operator actions', () => {
  it('resume releases the kill switch and names what still holds the gate; it never silently does nothing', () => {
    const clock = new ManualClock(5_000);
    const gate = tradingGate({ clock, maxUnknownOrders: 1 });
    const noKill = gate.resume('nothing to release');
    expect(noKill).toEqual({ released: false, mode: 'active', holding: [], message: 'the kill switch was not on; trading is active' });
    gate.kill('incident', 'alice');
    gate.reportUnknownOrder('x');
    const result = gate.resume('incident over', 'alice');
    expect(result.released).toBe(true);
    expect(result.mode).toBe('halted');
    expect(result.holding.map((c) => c.name)).toEqual(['unknown-orders']);
    expect(result.message).toMatch(/^kill switch released; still halted, held by unknown-orders \(halted\): 1 orders of unknown status/);
  });

  it('an acknowledged condition stops holding the gate until its rule fires again', () => {
    const clock = new ManualClock(1_000);
    const gate = tradingGate({ clock, maxUnknownOrders: 1 });
    gate.reportUnknownOrder('x');
    expect(gate.mode).toBe('halted');
    expect(() => gate.acknowledge('nope', 'why')).toThrow(/no condition "nope" is raised \(raised: unknown-orders\)/);
    expect(() => gate.acknowledge('unknown-orders', ' ')).toThrow('tradingGate.acknowledge: reason must be a non-empty string, got " "');
    gate.acknowledge('unknown-orders', 'checked by hand: order x is not on the exchange', 'bob');
    expect(gate.mode).toBe('active');
    expect(gate.conditions()).toEqual([
      expect.objectContaining({ name: 'unknown-orders', acknowledged: { reason: 'checked by hand: order x is not on the exchange', by: 'bob', at: 1_000 } }),
    ]);
    // The same firing updated (same severity): still acknowledged.
    gate.syncUnknownOrders('reported', [{ intentId: 'x', since: 1_000 }]);
    expect(gate.mode).toBe('active');
    // A new unknown order: the rule fires again.
    gate.reportUnknownOrder('y');
    expect(gate.mode).toBe('halted');
    expect(gate.conditions()[0]?.acknowledged).toBeUndefined();
  });

  it('an acknowledgement ends when the condition turns more severe or clears', () => {
    const gate = tradingGate();
    gate.raise('custom', 'reducing', 'first');
    gate.acknowledge('custom', 'known');
    gate.raise('custom', 'reducing', 'second');
    expect(gate.mode).toBe('active');
    gate.raise('custom', 'halted', 'worse');
    expect(gate.mode).toBe('halted');
    gate.acknowledge('custom', 'known, still');
    gate.clear('custom');
    gate.raise('custom', 'reducing', 'again');
    expect(gate.mode).toBe('reducing');
  });

  it('operatorState() and restore() carry the kill switch with who and when; operator events tell every action', () => {
    const clock = new ManualClock(7_000);
    const gate = tradingGate({ clock });
    const actions: string[] = [];
    gate.on('operator', (a) => actions.push(`${a.action}:${a.by}:${a.reason}`));
    gate.kill('maintenance window', 'carol');
    gate.raise('custom', 'reducing', 'x');
    gate.acknowledge('custom', 'fine', 'carol');
    const state = gate.operatorState();
    expect(JSON.parse(JSON.stringify(state))).toEqual({
      kill: { reason: 'maintenance window', by: 'carol', at: 7_000 },
      acknowledged: [{ condition: 'custom', reason: 'fine', by: 'carol', at: 7_000 }],
    });
    const restarted = tradingGate({ clock });
    restarted.restore(state);
    expect(restarted.mode).toBe('halted');
    expect(restarted.status.kill).toEqual({ reason: 'maintenance window', by: 'carol', at: 7_000 });
    expect(restarted.resume('done').released).toBe(true);
    expect(restarted.mode).toBe('active');
    expect(actions).toEqual(['kill:carol:maintenance window', 'acknowledge:carol:fine']);
  });
});

