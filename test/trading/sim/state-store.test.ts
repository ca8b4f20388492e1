/**
 * The simulator's state in SQLite: a new engine over the same file is the same exchange (orders,
 * balances, prices, ids, candle ticks), with every change written before the engine answered.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { SimEngine } from '../../../src/trading/sim/engine.js';
import { sqliteSimStore } from '../../../src/trading/sim/state-store.js';
import { tempDir } from '../../storage/helpers.js';

const temp = tempDir('bulwark-sim-state-');
afterAll(() => temp.remove());

describe('simulator state across a restart', () => {
  it('keeps orders, balances, prices, ids and ticks; orders delayed before the restart are visible after it', async () => {
    const file = join(temp.dir, 'sim.db');
    const clock = new ManualClock(1_000_000);
    let store = sqliteSimStore(file);
    const first = new SimEngine({ clock, store });
    const resting = first.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId: 'rest' });
    const filled = first.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_500, clientOrderId: 'fill' });
    const cancelled = first.placeOrder({ symbol: 'ETHUSDT', side: 'SELL', type: 'LIMIT', quantity: 1, price: 4_000, clientOrderId: 'cancel' });
    expect([resting.ok, filled.ok, cancelled.ok]).toEqual([true, true, true]);
    await clock.advance(60_000);
    first.fillOrder('BTCUSDT', { clientOrderId: 'fill' });
    first.cancelOrder('ETHUSDT', { clientOrderId: 'cancel' });
    first.step(0.001);
    first.visibilityDelayMs = 5_000;
    first.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 0.01, price: 60_000, clientOrderId: 'late' });
    expect(first.findOrder('BTCUSDT', { clientOrderId: 'late' })).toBeUndefined();
    const before = first.snapshot();
    const candlesBefore = first.candles('BTCUSDT', 60_000, { limit: 10 });
    // No close: the process dies here; every change was committed when it was made.
    store = sqliteSimStore(file);
    const second = new SimEngine({ clock, store, seed: 99 });
    expect(second.snapshot()).toEqual({ ...before, orders: before.orders.map((o) => ({ ...o, visibleAt: Math.min(o.visibleAt, clock.now()) })) });
    expect(second.findOrder('BTCUSDT', { clientOrderId: 'rest' })!.status).toBe('NEW');
    expect(second.findOrder('BTCUSDT', { clientOrderId: 'fill' })!.status).toBe('FILLED');
    expect(second.findOrder('ETHUSDT', { clientOrderId: 'cancel' })!.status).toBe('CANCELED');
    expect(second.findOrder('BTCUSDT', { clientOrderId: 'late' })!.status).toBe('NEW');
    expect(second.candles('BTCUSDT', 60_000, { limit: 10 })).toEqual(candlesBefore);
    // Ids go on where they stopped: no order id is handed out twice.
    const next = second.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 40_000 });
    expect(next.ok && next.order.orderId).toBe(Math.max(...before.orders.map((o) => o.orderId)) + 1);
    // A duplicate client order id is still refused while the first order is open.
    expect(second.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 40_000, clientOrderId: 'rest' })).toMatchObject({ ok: false, rejection: { code: -2010 } });
    store.close();
  });

  it('without a store, an engine starts empty', () => {
    const engine = new SimEngine({ clock: new ManualClock(0) });
    expect(engine.snapshot().orders).toEqual([]);
  });

  it('keeps at most about maxTicks ticks per market in the file', () => {
    const file = join(temp.dir, 'ticks.db');
    const clock = new ManualClock(0);
    const store = sqliteSimStore(file, { maxTicks: 50 });
    const engine = new SimEngine({ clock, store, maxTicks: 50 });
    for (let i = 0; i < 500; i++) engine.step(0.001);
    store.close();
    const loaded = sqliteSimStore(file, { maxTicks: 50 });
    const ticks = loaded.load()!.ticks.filter((t) => t.symbol === 'BTCUSDT');
    expect(ticks.length).toBeGreaterThanOrEqual(50);
    expect(ticks.length).toBeLessThanOrEqual(55);
    loaded.close();
  });
});
