/**
 * When an order that was never found can be called "never placed", per exchange.
 *
 * Binance (spot, since June 2025) rejects a request that has not reached its matching engine by
 * `timestamp + recvWindow` (its server time), and its API stops waiting for the matching engine
 * after 10 s (-1007). So an order that no lookup shows after
 *
 *     sent by + recvWindow + backend timeout + |clock offset| + visibility margin
 *
 * was never placed: it can no longer reach the book. `sent by` is a time by which the request had
 * certainly been signed: the moment the intent became UNKNOWN (the failure is observed after the
 * request left). An exchange without such a guarantee has no rule: its intents stay UNKNOWN for
 * reconcile's grace period and the operator.
 */

export interface NeverPlacedRule {
  /** The request parameter that carries the window (sent with every order). */
  windowParam: string;
  /** The window sent when the order's params name none. */
  recvWindowMs: number;
  /** Longest the exchange's API waits for its matching engine before answering "status unknown". */
  backendTimeoutMs: number;
  /** How long after booking an order may stay invisible to lookups. */
  visibilityMarginMs: number;
}

/** Rules by ccxt exchange id; an id not listed has no guarantee. */
export const neverPlacedRules: Readonly<Record<string, NeverPlacedRule>> = {
  binance: {
    windowParam: 'recvWindow',
    // Binance's own default window; the API accepts up to 60 s.
    recvWindowMs: 5_000,
    // The spot API gives up on the matching engine after 10 s (-1007).
    backendTimeoutMs: 10_000,
    // Binance's order store is read-after-write in practice; 5 s covers a lagging replica.
    visibilityMarginMs: 5_000,
  },
};

/** The rule of an exchange (by ccxt id), or undefined when it gives no such guarantee. */
export function neverPlacedRuleFor(exchangeId: string, overrides?: Record<string, NeverPlacedRule | null>): NeverPlacedRule | undefined {
  if (overrides && exchangeId in overrides) return overrides[exchangeId] ?? undefined;
  return neverPlacedRules[exchangeId];
}

/** The window an order was sent with: its params' value, else the rule's. */
export function recvWindowOf(rule: NeverPlacedRule, params: Record<string, unknown>): number {
  const sent = Number(params[rule.windowParam]);
  return Number.isFinite(sent) && sent > 0 ? sent : rule.recvWindowMs;
}

/**
 * The local time after which an order still not found was never placed. `sentBy` is a local time
 * by which the request had been signed; `clockOffsetMs` is server time minus local time.
 */
export function neverPlacedAfter(rule: NeverPlacedRule, sentBy: number, params: Record<string, unknown>, clockOffsetMs: number): number {
  return sentBy + recvWindowOf(rule, params) + rule.backendTimeoutMs + Math.abs(clockOffsetMs) + rule.visibilityMarginMs;
}
