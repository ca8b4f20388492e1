import type { RateBudgetTable } from '../table.js';

/**
 * A conservative default for an exchange without its own table: one budget of 1,200 request
 * units per minute (a common published limit, e.g. Binance's historical default and several
 * ccxt exchange defaults), every call costing 1, orders and cancels in their lanes when the
 * endpoint is named 'POST /order' / 'DELETE /order'. Override `limit` with the exchange's own.
 */
export const genericTable: RateBudgetTable = {
  name: 'generic',
  budgets: [{ id: 'REQUESTS', limit: 1_200, windowMs: 60_000 }],
  endpoints: {
    'POST /order': { costs: { REQUESTS: 1 }, lane: 'orders' },
    'DELETE /order': { costs: { REQUESTS: 1 }, lane: 'urgent' },
  },
  fallback: { costs: { REQUESTS: 1 }, lane: 'data' },
};
