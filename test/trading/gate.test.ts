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
    gate.on('change', (c) => seen.push(`${c.from}->${c.to}`));
    gate.kill('x');
    gate.kill('y');
    gate.resume();
    expect(seen).toEqual(['active->halted', 'halted->active']);
    expect(() => tradingGate({ maxLoss: 0 })).toThrow(/maxLoss must be > 0/);
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
