/**
 * The simulated market's public trades (the tape behind Binance's /api/v3/aggTrades): every fill of
 * an order and every price move, one trade each, bounded per market (the oldest go first). A price
 * move is the market's own trade of the minimum quantity at the new mid, its taker on the side of
 * the move, so a client sees a live tape even when nobody else trades.
 */
import { checkInteger } from '../../core/option-checks.js';

export interface TapeTrade {
  /** Trade id, increasing per market (one engine-wide sequence shared with the account's fills). */
  id: number;
  price: number;
  qty: number;
  time: number;
  /** Whether the buyer was the maker (a sell took liquidity). */
  buyerMaker: boolean;
}

export interface TapeQuery {
  /** Trades with an id at or after this. */
  fromId?: number;
  /** Trades at or after this time (ms). */
  startTime?: number;
  /** Trades at or before this time (ms). */
  endTime?: number;
  /** Most trades returned: the first ones from `fromId` or `startTime`, else the latest ones. */
  limit: number;
}

export const TRADE_TAPE_DEFAULTS = {
  /** Trades kept per market: a day of one move a second is 86,400; enough for any test or demo. */
  maxTrades: 100_000,
} as const;

export class TradeTape {
  private readonly trades = new Map<string, TapeTrade[]>();

  constructor(private readonly maxTrades: number = TRADE_TAPE_DEFAULTS.maxTrades) {
    checkInteger('sim', 'maxTrades', maxTrades, 1);
  }

  record(symbol: string, trade: TapeTrade): void {
    let list = this.trades.get(symbol);
    if (!list) this.trades.set(symbol, (list = []));
    list.push(trade);
    // Trim in chunks, so recording stays O(1) amortised.
    if (list.length > this.maxTrades * 1.1) list.splice(0, list.length - this.maxTrades);
  }

  /** Trades of `symbol` matching the query, oldest first. */
  query(symbol: string, query: TapeQuery): TapeTrade[] {
    const list = this.trades.get(symbol) ?? [];
    const { fromId, startTime, endTime, limit } = query;
    const selected = list.filter(
      (t) => (fromId === undefined || t.id >= fromId) && (startTime === undefined || t.time >= startTime) && (endTime === undefined || t.time <= endTime),
    );
    return fromId !== undefined || startTime !== undefined ? selected.slice(0, limit) : selected.slice(-limit);
  }
}
