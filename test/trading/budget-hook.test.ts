import { describe, expect, it } from 'vitest';
import { exchangeRateBudget } from '../../src/limits/budgets/exchange-rate-budget.js';
import { binanceSpotTable } from '../../src/limits/budgets/tables/binance-spot.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { drive, offlineBinance } from './support/offline-binance.js';

describe('resilientExchange with an exchange weight budget', () => {
  it('charges every request (retries and lookups included) and learns the exchange counts from its headers', async () => {
    const { exchange, router, clock } = await offlineBinance({ faults: { dropReplyAfterAccept: 1 } });
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock });
    const charged: string[] = [];
    budget.on('charged', (e) => charged.push(e.endpoint));
    const rex = resilientExchange(exchange, { clock, rateBudget: budget });
    await drive(clock, rex.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intentId: 'weighed' }));
    expect(charged).toEqual(['POST /api/v3/order', 'GET /api/v3/order']);
    expect(await budget.used('ORDERS_10S')).toBe(1);
    // The simulator's X-MBX-USED-WEIGHT-1M (1 for the order + 4 for the lookup) corrected the local count upward.
    expect(await budget.used('REQUEST_WEIGHT')).toBeGreaterThanOrEqual(5);
    expect(router.stats().ordersHeld).toBe(1);
  });

  it('a 429 freezes the budget group: the wrapper waits it out before sending again', async () => {
    const { exchange, router, clock } = await offlineBinance({ faults: { failures: [{ path: '/api/v3/ticker/24hr', status: 429, retryAfterSec: 2 }] } });
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock });
    const frozen: Array<{ status: number; forMs: number }> = [];
    budget.on('frozen', (e) => frozen.push({ status: e.status, forMs: e.forMs }));
    const rex = resilientExchange(exchange, { clock, rateBudget: budget });
    const start = clock.now();
    const ticker = await drive(clock, rex.fetchTicker('BTC/USDT'));
    expect(ticker.stale).toBe(false);
    expect(frozen).toEqual([{ status: 429, forMs: 2_000 }]);
    expect(clock.now() - start).toBeGreaterThanOrEqual(2_000);
    expect(router.stats().byRoute).toEqual({ 'GET /api/v3/ticker/24hr': 2 });
  });
});
