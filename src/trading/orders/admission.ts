/** What the order path asks before new exposure: the trading gate and the pre-trade checks both answer it. */

export interface OrderRequest {
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  amount: number;
  price?: number | undefined;
  params: Record<string, unknown>;
}

export interface AdmissionResult {
  /** The order may pass only as reduce-only: send `reduceOnly: true` where the market supports it. */
  reduceOnly?: boolean;
}

export interface OrderAdmission {
  /** Throws (TradingGateError, PreTradeRejectedError) to refuse; returns to let the order pass. */
  admit(order: OrderRequest): AdmissionResult | void;
  /**
   * Asked again right before each request of an admitted order leaves (after the journal write and
   * every wait for the rate budget): throws to stop it. Must not count anything (the gate's mode only).
   */
  recheck?(order: OrderRequest): void;
  /** Told once an order was placed, so rate and position checks can count it. */
  placed?(order: OrderRequest): void;
}
