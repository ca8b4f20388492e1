import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { SimEngine } from '../../../src/trading/sim/engine.js';

describe('SimEngine', () => {
  it('Binance duplicate-id semantics: refused only while the first order is open', () => {
    const engine = new SimEngine({ clock: new ManualClock() });
    const first = engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 40_000, clientOrderId: 'same' });
    expect(first.ok).toBe(true);
    const dup = engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 40_000, clientOrderId: 'same' });
    expect(dup).toEqual({ ok: false, rejection: { status: 400, code: -2010, msg: 'Duplicate order sent.' } });
    engine.fillOrder('BTCUSDT', { clientOrderId: 'same' });
    // After the fill, a resend with the same id is a SECOND order: why a blind retry is unsafe.
    const again = engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 40_000, clientOrderId: 'same' });
    expect(again.ok).toBe(true);
    expect(engine.allOrdersHeld()).toHaveLength(2);
  });

  it('market orders fill at the touch; resting limits fill when the price crosses', () => {
    const engine = new SimEngine({ clock: new ManualClock() });
    const market = engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.1 });
    expect(market.ok && market.order.status).toBe('FILLED');
    const resting = engine.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 0.1, price: 51_000 });
    expect(resting.ok && resting.order.status).toBe('NEW');
    engine.setPrice('BTCUSDT', 52_000);
    expect(resting.ok && resting.order.status).toBe('FILLED');
  });

  it('seeded price walks replay exactly', () => {
    const walk = (seed: number): number[] => {
      const engine = new SimEngine({ seed, clock: new ManualClock() });
      return Array.from({ length: 5 }, () => {
        engine.step();
        return engine.market('BTCUSDT')?.mid ?? 0;
      });
    };
    expect(walk(9)).toEqual(walk(9));
    expect(walk(9)).not.toEqual(walk(10));
  });

  it('checks funds and hides orders during the visibility delay', async () => {
    const clock = new ManualClock();
    const engine = new SimEngine({ clock, balances: { USDT: 100 } });
    expect(engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 40_000 })).toMatchObject({ ok: false, rejection: { code: -2010, msg: 'Account has insufficient balance for requested action.' } });
    const rich = new SimEngine({ clock });
    rich.visibilityDelayMs = 500;
    rich.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 40_000, clientOrderId: 'late' });
    expect(rich.findOrder('BTCUSDT', { clientOrderId: 'late' })).toBeUndefined();
    await clock.advance(500);
    expect(rich.findOrder('BTCUSDT', { clientOrderId: 'late' })?.status).toBe('NEW');
  });
});
