/**
 * The simulator's price history as candles (OHLCV): every price change and every fill of a market
 * is recorded as a tick, and candles of any interval are cut from the ticks on request, the way
 * Binance's /api/v3/klines serves them (one candle per interval, gaps carried at the last close).
 */
import { checkInteger } from '../../core/option-checks.js';

/** One recorded price (and the base volume traded at it, 0 for a price move). */
interface Tick {
  at: number;
  price: number;
  volume: number;
  quoteVolume: number;
  trades: number;
}

export interface Candle {
  openTime: number;
  /** Last millisecond of the interval (openTime + interval - 1), as Binance reports it. */
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base asset traded in the interval. */
  volume: number;
  quoteVolume: number;
  trades: number;
}

export interface CandleQuery {
  /** First candle's open time at or after this (ms). */
  startTime?: number;
  /** Last candle's open time at or before this (ms). */
  endTime?: number;
  /** Most candles returned: the latest ones, or the first ones when startTime is given. */
  limit: number;
}

export const CANDLE_HISTORY_DEFAULTS = {
  /** Ticks kept per market: a day of one move per second is 86,400; enough for any test or demo. */
  maxTicks: 100_000,
} as const;

/** Binance's kline intervals, in milliseconds ('1M' is not served: months differ in length). */
export const KLINE_INTERVALS: Readonly<Record<string, number>> = {
  '1s': 1_000,
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
  '3d': 259_200_000,
  '1w': 604_800_000,
};

/** Price history of the markets, tick by tick, bounded per market (the oldest ticks go first). */
export class CandleHistory {
  private readonly ticks = new Map<string, Tick[]>();

  constructor(private readonly maxTicks: number = CANDLE_HISTORY_DEFAULTS.maxTicks) {
    checkInteger('sim', 'maxTicks', maxTicks, 1);
  }

  /** Records the market's price at `at`; `volume` is the base amount traded there (0: a move). */
  record(symbol: string, at: number, price: number, volume = 0): void {
    let list = this.ticks.get(symbol);
    if (!list) this.ticks.set(symbol, (list = []));
    list.push({ at, price, volume, quoteVolume: volume * price, trades: volume > 0 ? 1 : 0 });
    // Trim in chunks, so recording stays O(1) amortised.
    if (list.length > this.maxTicks * 1.1) list.splice(0, list.length - this.maxTicks);
  }

  /** Candles of `intervalMs` for `symbol`, oldest first; empty before the first tick. */
  candles(symbol: string, intervalMs: number, query: CandleQuery): Candle[] {
    const list = this.ticks.get(symbol) ?? [];
    if (list.length === 0) return [];
    const bucket = (at: number): number => Math.floor(at / intervalMs) * intervalMs;
    const firstOpen = bucket((list[0] as Tick).at);
    const lastOpen = bucket((list[list.length - 1] as Tick).at);
    let from = Math.max(firstOpen, query.startTime === undefined ? -Infinity : bucket(query.startTime + intervalMs - 1));
    let to = Math.min(lastOpen, query.endTime === undefined ? Infinity : bucket(query.endTime));
    if (from > to) return [];
    const count = (to - from) / intervalMs + 1;
    if (count > query.limit) {
      if (query.startTime !== undefined) to = from + (query.limit - 1) * intervalMs;
      else from = to - (query.limit - 1) * intervalMs;
    }
    const out: Candle[] = [];
    // The close before `from` carries into empty leading intervals.
    let i = 0;
    let lastClose = (list[0] as Tick).price;
    while (i < list.length && (list[i] as Tick).at < from) lastClose = (list[i++] as Tick).price;
    for (let open = from; open <= to; open += intervalMs) {
      const candle: Candle = { openTime: open, closeTime: open + intervalMs - 1, open: lastClose, high: lastClose, low: lastClose, close: lastClose, volume: 0, quoteVolume: 0, trades: 0 };
      let first = true;
      while (i < list.length && (list[i] as Tick).at < open + intervalMs) {
        const tick = list[i++] as Tick;
        if (first) {
          candle.open = candle.high = candle.low = tick.price;
          first = false;
        }
        candle.high = Math.max(candle.high, tick.price);
        candle.low = Math.min(candle.low, tick.price);
        candle.close = tick.price;
        candle.volume += tick.volume;
        candle.quoteVolume += tick.quoteVolume;
        candle.trades += tick.trades;
      }
      lastClose = candle.close;
      out.push(candle);
    }
    return out;
  }
}
