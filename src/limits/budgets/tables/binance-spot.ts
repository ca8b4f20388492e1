import type { RateBudgetTable, Params } from '../table.js';

/**
 * Binance spot REST limits (api.binance.com, /api/v3): request weight 6,000 per minute per IP,
 * raw requests 61,000 per 5 minutes per IP, orders 100 per 10 s and 200,000 per day per
 * account. Weights follow Binance's published endpoint weights; check them against
 * GET /api/v3/exchangeInfo (`rateLimits`) and override with `extendTable` when Binance changes
 * them. Windows are aligned to the epoch, as Binance counts them (the day resets at 00:00 UTC).
 */

const MINUTE = 60_000;

/** Symbols named by `symbol` or `symbols` (an array or a JSON array string); 0 when neither. */
function symbolCount(params: Params): number {
  if (params.symbol !== undefined) return 1;
  const symbols = params.symbols;
  if (Array.isArray(symbols)) return symbols.length;
  if (typeof symbols !== 'string') return 0;
  try {
    const parsed: unknown = JSON.parse(symbols);
    return Array.isArray(parsed) ? parsed.length : 1;
  } catch {
    return symbols.split(',').length;
  }
}

/** ticker/24hr: 2 for one symbol or up to 20; 40 up to 100; 80 beyond, or for all symbols. */
function ticker24hrWeight(params: Params): number {
  const count = symbolCount(params);
  return count === 0 ? 80 : count <= 20 ? 2 : count <= 100 ? 40 : 80;
}

/** ticker and ticker/tradingDay: 4 per symbol, capped at 200. */
const perSymbolWeight = (params: Params): number => Math.min(200, 4 * Math.max(1, symbolCount(params)));

/** ticker/price and ticker/bookTicker: 2 for one symbol, 4 for several or all. */
const priceWeight = { param: 'symbol', steps: [[Infinity, 2]], absent: 4 } as const;

export const binanceSpotTable: RateBudgetTable = {
  name: 'binance-spot',
  budgets: [
    { id: 'REQUEST_WEIGHT', limit: 6_000, windowMs: MINUTE, header: 'x-mbx-used-weight-1m' },
    { id: 'RAW_REQUESTS', limit: 61_000, windowMs: 5 * MINUTE, perCall: 1 },
    { id: 'ORDERS_10S', limit: 100, windowMs: 10_000, header: 'x-mbx-order-count-10s' },
    { id: 'ORDERS_1D', limit: 200_000, windowMs: 24 * 60 * MINUTE, header: 'x-mbx-order-count-1d' },
  ],
  endpoints: {
    // General and market data: the 'data' lane.
    'GET /api/v3/ping': { costs: { REQUEST_WEIGHT: 1 }, lane: 'data' },
    'GET /api/v3/time': { costs: { REQUEST_WEIGHT: 1 }, lane: 'data' },
    'GET /api/v3/exchangeInfo': { costs: { REQUEST_WEIGHT: 20 }, lane: 'data' },
    'GET /api/v3/depth': {
      costs: { REQUEST_WEIGHT: { param: 'limit', steps: [[100, 5], [500, 25], [1000, 50], [5000, 250]], absent: 5 } },
      lane: 'data',
    },
    'GET /api/v3/trades': { costs: { REQUEST_WEIGHT: 25 }, lane: 'data' },
    'GET /api/v3/historicalTrades': { costs: { REQUEST_WEIGHT: 25 }, lane: 'data' },
    'GET /api/v3/aggTrades': { costs: { REQUEST_WEIGHT: 2 }, lane: 'data' },
    'GET /api/v3/klines': { costs: { REQUEST_WEIGHT: 2 }, lane: 'data' },
    'GET /api/v3/uiKlines': { costs: { REQUEST_WEIGHT: 2 }, lane: 'data' },
    'GET /api/v3/avgPrice': { costs: { REQUEST_WEIGHT: 2 }, lane: 'data' },
    'GET /api/v3/ticker/24hr': { costs: { REQUEST_WEIGHT: ticker24hrWeight }, lane: 'data' },
    'GET /api/v3/ticker/tradingDay': { costs: { REQUEST_WEIGHT: perSymbolWeight }, lane: 'data' },
    'GET /api/v3/ticker/price': { costs: { REQUEST_WEIGHT: priceWeight }, lane: 'data' },
    'GET /api/v3/ticker/bookTicker': { costs: { REQUEST_WEIGHT: priceWeight }, lane: 'data' },
    'GET /api/v3/ticker': { costs: { REQUEST_WEIGHT: perSymbolWeight }, lane: 'data' },
    // Account queries.
    'GET /api/v3/account': { costs: { REQUEST_WEIGHT: 20 }, lane: 'data' },
    'GET /api/v3/myTrades': { costs: { REQUEST_WEIGHT: 20 }, lane: 'data' },
    'GET /api/v3/order': { costs: { REQUEST_WEIGHT: 4 }, lane: 'orders' },
    'GET /api/v3/openOrders': { costs: { REQUEST_WEIGHT: { param: 'symbol', steps: [[Infinity, 6]], absent: 80 } }, lane: 'orders' },
    'GET /api/v3/allOrders': { costs: { REQUEST_WEIGHT: 20 }, lane: 'data' },
    'GET /api/v3/rateLimit/order': { costs: { REQUEST_WEIGHT: 40 }, lane: 'data' },
    // New orders: the 'orders' lane, one order each against both order counts.
    'POST /api/v3/order': { costs: { REQUEST_WEIGHT: 1, ORDERS_10S: 1, ORDERS_1D: 1 }, lane: 'orders' },
    'POST /api/v3/order/test': { costs: { REQUEST_WEIGHT: (p: Params) => (String(p.computeCommissionRates) === 'true' ? 20 : 1) }, lane: 'orders' },
    'POST /api/v3/order/cancelReplace': { costs: { REQUEST_WEIGHT: 1, ORDERS_10S: 1, ORDERS_1D: 1 }, lane: 'orders' },
    'POST /api/v3/orderList/oco': { costs: { REQUEST_WEIGHT: 1, ORDERS_10S: 2, ORDERS_1D: 2 }, lane: 'orders' },
    'POST /api/v3/orderList/oto': { costs: { REQUEST_WEIGHT: 1, ORDERS_10S: 2, ORDERS_1D: 2 }, lane: 'orders' },
    'POST /api/v3/orderList/otoco': { costs: { REQUEST_WEIGHT: 1, ORDERS_10S: 3, ORDERS_1D: 3 }, lane: 'orders' },
    // Cancels: the 'urgent' lane, which may use the reserved share.
    'DELETE /api/v3/order': { costs: { REQUEST_WEIGHT: 1 }, lane: 'urgent' },
    'DELETE /api/v3/openOrders': { costs: { REQUEST_WEIGHT: 1 }, lane: 'urgent' },
    'DELETE /api/v3/orderList': { costs: { REQUEST_WEIGHT: 1 }, lane: 'urgent' },
    // User data stream keep-alive.
    'POST /api/v3/userDataStream': { costs: { REQUEST_WEIGHT: 2 }, lane: 'data' },
    'PUT /api/v3/userDataStream': { costs: { REQUEST_WEIGHT: 2 }, lane: 'data' },
    'DELETE /api/v3/userDataStream': { costs: { REQUEST_WEIGHT: 2 }, lane: 'data' },
  },
  // An endpoint missing from the table is charged like a light query rather than refused.
  fallback: { costs: { REQUEST_WEIGHT: 1 }, lane: 'data' },
};
