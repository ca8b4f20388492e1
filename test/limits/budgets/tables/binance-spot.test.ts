import { describe, expect, it } from 'vitest';
import { costsOf, validateTable } from '../../../../src/limits/budgets/table.js';
import { binanceSpotTable } from '../../../../src/limits/budgets/tables/binance-spot.js';
import { genericTable } from '../../../../src/limits/budgets/tables/generic.js';

const weight = (endpoint: string, params = {}) => costsOf(binanceSpotTable, endpoint, params).REQUEST_WEIGHT;

describe('binanceSpotTable', () => {
  it('is a valid table with Binance spot limits: 6000 weight/min, 100 orders/10 s, 200,000 orders/day', () => {
    validateTable(binanceSpotTable);
    const limits = Object.fromEntries(binanceSpotTable.budgets.map((b) => [b.id, [b.limit, b.windowMs]]));
    expect(limits).toEqual({
      REQUEST_WEIGHT: [6000, 60_000],
      RAW_REQUESTS: [61_000, 300_000],
      ORDERS_10S: [100, 10_000],
      ORDERS_1D: [200_000, 86_400_000],
    });
  });

  it('charges order-book depth by limit, including values between the published steps', () => {
    expect([1, 100, 101, 500, 501, 1000, 1001, 5000].map((limit) => weight('GET /api/v3/depth', { limit }))).toEqual([5, 5, 25, 25, 50, 50, 250, 250]);
  });

  it('charges tickers by how many symbols they ask for', () => {
    expect(weight('GET /api/v3/ticker/24hr', { symbol: 'BTCUSDT' })).toBe(2);
    expect(weight('GET /api/v3/ticker/24hr', { symbols: Array.from({ length: 50 }, (_, i) => `S${i}`) })).toBe(40);
    expect(weight('GET /api/v3/ticker/24hr', { symbols: JSON.stringify(Array.from({ length: 101 }, (_, i) => `S${i}`)) })).toBe(80);
    expect(weight('GET /api/v3/ticker/24hr')).toBe(80);
    expect(weight('GET /api/v3/ticker/price', { symbol: 'BTCUSDT' })).toBe(2);
    expect(weight('GET /api/v3/ticker/price')).toBe(4);
    expect(weight('GET /api/v3/openOrders', { symbol: 'BTCUSDT' })).toBe(6);
    expect(weight('GET /api/v3/openOrders')).toBe(80);
  });

  it('puts cancels in the urgent lane and new orders in the orders lane, counting orders only for new ones', () => {
    expect(binanceSpotTable.endpoints['DELETE /api/v3/order']?.lane).toBe('urgent');
    expect(binanceSpotTable.endpoints['POST /api/v3/order']?.lane).toBe('orders');
    expect(costsOf(binanceSpotTable, 'DELETE /api/v3/order')).toEqual({ REQUEST_WEIGHT: 1, RAW_REQUESTS: 1 });
    expect(costsOf(binanceSpotTable, 'POST /api/v3/orderList/oco')).toMatchObject({ ORDERS_10S: 2, ORDERS_1D: 2 });
  });

  it('the generic table is valid and charges one request per call', () => {
    validateTable(genericTable);
    expect(costsOf(genericTable, 'GET /anything')).toEqual({ REQUESTS: 1 });
  });
});
