import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { preTradeChecks } from '../../src/trading/checks.js';
import { PreTradeRejectedError } from '../../src/trading/errors.js';
import type { OrderRequest } from '../../src/trading/orders/admission.js';

const order = (side: 'buy' | 'sell', amount: number, price?: number): OrderRequest => ({ symbol: 'BTC/USDT', side, type: price ? 'limit' : 'market', amount, price, params: {} });

describe('preTradeChecks', () => {
  it('max order amount (global and per symbol)', () => {
    const checks = preTradeChecks({ maxOrderAmount: 1, perSymbol: { 'BTC/USDT': { maxOrderAmount: 0.5 } } });
    expect(() => checks.admit(order('buy', 0.5, 100))).not.toThrow();
    expect(() => checks.admit(order('buy', 0.6, 100))).toThrow(/maxOrderAmount: BTC\/USDT amount 0.6 exceeds 0.5/);
    expect(() => checks.admit({ ...order('buy', 0.9, 100), symbol: 'ETH/USDT' })).not.toThrow();
  });

  it('max notional, using priceOf for market orders', () => {
    const checks = preTradeChecks({ maxNotional: 1_000, priceOf: () => 600 });
    expect(() => checks.admit(order('buy', 1, 900))).not.toThrow();
    expect(() => checks.admit(order('buy', 2, 900))).toThrow(PreTradeRejectedError);
    expect(() => checks.admit(order('buy', 2))).toThrow(/notional 1200 exceeds 1000/);
    expect(() => preTradeChecks({ maxNotional: 10 }).admit(order('buy', 1))).toThrow(/no price to value the order/);
  });

  it('max position: refuses orders that grow the position past the limit, allows ones that shrink it', () => {
    let position = 4;
    const checks = preTradeChecks({ maxPosition: 5, positionOf: () => position });
    expect(() => checks.admit(order('buy', 1, 1))).not.toThrow();
    expect(() => checks.admit(order('buy', 2, 1))).toThrow(/position would be 6, beyond 5/);
    position = 7;
    expect(() => checks.admit(order('sell', 1, 1))).not.toThrow();
  });

  it('max order rate counts placed orders in a rolling window', async () => {
    const clock = new ManualClock();
    const checks = preTradeChecks({ maxOrderRate: { count: 2, perMs: 1_000 }, clock });
    for (let i = 0; i < 2; i++) {
      checks.admit(order('buy', 1, 1));
      checks.placed(order('buy', 1, 1));
    }
    expect(() => checks.admit(order('buy', 1, 1))).toThrow(/maxOrderRate/);
    await clock.advance(1_000);
    expect(() => checks.admit(order('buy', 1, 1))).not.toThrow();
  });

  it('rejects bad configuration naming the option', () => {
    expect(() => preTradeChecks({ maxOrderAmount: -1 })).toThrow('preTradeChecks: maxOrderAmount must be a finite number > 0 (or Infinity), got -1');
    expect(() => preTradeChecks({ maxOrderRate: { count: 0, perMs: 1 } })).toThrow('preTradeChecks: maxOrderRate.count must be an integer >= 1, got 0');
    expect(() => preTradeChecks({ perSymbol: { X: { maxNotional: 0 } } })).toThrow(/perSymbol\["X"\]\.maxNotional/);
  });
});
