/**
 * Rate budgets from the limits layer on a ccxt exchange: every HTTP request ccxt makes is
 * charged to an `ExchangeRateBudget` first (waiting in its priority lane when the budget is spent),
 * and the answer's count headers, 429s and 418s are fed back to it. Works at ccxt's `fetch`, so
 * every call is counted — the wrapper's retries and lookups included.
 */
import type { Exchange } from 'ccxt';
import type { ExchangeRateBudget } from '../limits/budgets/exchange-rate-budget.js';
import { httpStatusOf } from './errors.js';

type Fetch = Exchange['fetch'];

/** Which budget endpoint a request is: "METHOD /path" (the form budget tables use). */
export function endpointOf(url: string, method: string): { endpoint: string; params: Record<string, string> } {
  const parsed = new URL(url);
  return { endpoint: `${method.toUpperCase()} ${parsed.pathname}`, params: Object.fromEntries(parsed.searchParams) };
}

/** Charges every request of `exchange` to `budget`; returns a function that detaches. Endpoints the table does not know (and no fallback covers) pass uncharged. */
export function attachRateBudget(exchange: Exchange, budget: ExchangeRateBudget): () => void {
  const original: Fetch = exchange.fetch;
  const known = (endpoint: string): boolean => Object.hasOwn(budget.table.endpoints, endpoint) || budget.table.fallback !== undefined;
  const charged: Fetch = async function (this: Exchange, url, method = 'GET', headers, body) {
    const { endpoint, params } = endpointOf(url, method);
    if (!known(endpoint)) return original.call(this, url, method, headers, body);
    await budget.charge(endpoint, params);
    try {
      const response: unknown = await original.call(this, url, method, headers, body);
      await budget.observeResponse(endpoint, 200, this.last_response_headers);
      return response;
    } catch (error) {
      await budget.observeResponse(endpoint, httpStatusOf(error) ?? 0, this.last_response_headers);
      throw error;
    }
  };
  exchange.fetch = charged;
  return () => {
    if (exchange.fetch === charged) exchange.fetch = original;
  };
}
