/** Candles (klines) cut from the simulator's recorded prices, and served to a real ccxt.binance. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { CandleHistory } from '../../../src/trading/sim/candles.js';
import { SimEngine } from '../../../src/trading/sim/engine.js';
import { offlineBinance } from '../support/offline-binance.js';

const T0 = 1_700_000_040_000; // a whole minute
const MINUTE = 60_000;

describe('CandleHistory', () => {
  it('cuts OHLCV per interval, and carries the last close through intervals without ticks', () => {
    const history = new CandleHistory();
    history.record('X', T0, 100);
    history.record('X', T0 + 10_000, 105, 2);
    history.record('X', T0 + 20_000, 98);
    history.record('X', T0 + 59_999, 101);
    history.record('X', T0 + 3 * MINUTE + 5, 110, 1);
    const candles = history.candles('X', MINUTE, { limit: 500 });
    expect(candles.map((c) => [c.openTime - T0, c.open, c.high, c.low, c.close, c.volume, c.trades])).toEqual([
      [0, 100, 105, 98, 101, 2, 1],
      [MINUTE, 101, 101, 101, 101, 0, 0],
      [2 * MINUTE, 101, 101, 101, 101, 0, 0],
      [3 * MINUTE, 110, 110, 110, 110, 1, 1],
    ]);
    expect(candles[0]?.closeTime).toBe(T0 + MINUTE - 1);
    expect(candles[0]?.quoteVolume).toBe(210);
  });

  it('startTime, endTime and limit select candles by open time as Binance does', () => {
    const history = new CandleHistory();
    for (let i = 0; i < 10; i++) history.record('X', T0 + i * MINUTE, 100 + i);
    const opens = (query: { startTime?: number; endTime?: number; limit: number }): number[] =>
      history.candles('X', MINUTE, query).map((c) => (c.openTime - T0) / MINUTE);
    expect(opens({ limit: 3 })).toEqual([7, 8, 9]); // the latest
    expect(opens({ startTime: T0 + 2 * MINUTE + 1, limit: 3 })).toEqual([3, 4, 5]); // open at or after startTime
    expect(opens({ endTime: T0 + 4 * MINUTE, limit: 500 })).toEqual([0, 1, 2, 3, 4]);
    expect(opens({ startTime: T0 - 10 * MINUTE, endTime: T0 + MINUTE, limit: 500 })).toEqual([0, 1]); // nothing before the first tick
    expect(opens({ startTime: T0 + 20 * MINUTE, limit: 5 })).toEqual([]);
    expect(history.candles('unknown', MINUTE, { limit: 5 })).toEqual([]);
  });

  it('keeps at most maxTicks per market, the newest', () => {
    const history = new CandleHistory(10);
    for (let i = 0; i < 100; i++) history.record('X', T0 + i * 1000, i + 1);
    const candles = history.candles('X', 1000, { limit: 1000 });
    expect(candles.length).toBeGreaterThanOrEqual(10);
    expect(candles.length).toBeLessThanOrEqual(11);
    expect(candles.at(-1)?.close).toBe(100);
    expect(() => new CandleHistory(0)).toThrow('sim: maxTicks must be an integer >= 1, got 0');
  });
});

describe('klines from the simulator', () => {
  it('the engine records moves and fills: a fill adds its volume to the candle it falls in', async () => {
    const clock = new ManualClock(T0);
    const engine = new SimEngine({ clock });
    await clock.advance(30_000);
    engine.setPrice('BTCUSDT', 50_500);
    engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.5 });
    const [candle] = engine.candles('BTCUSDT', MINUTE, { limit: 10 });
    expect(candle).toMatchObject({ openTime: T0, open: 50_000, close: expect.closeTo(50_505, 0) as number, volume: 0.5, trades: 1 });
    expect(candle?.high).toBeGreaterThan(50_500);
  });

  it('ccxt.binance fetchOHLCV reads them through /api/v3/klines', async () => {
    const clock = new ManualClock(T0);
    const { exchange, router } = await offlineBinance({ clock });
    for (let i = 1; i <= 5; i++) {
      await clock.advance(T0 + i * MINUTE - clock.now());
      router.engine.setPrice('BTCUSDT', 50_000 + i * 100);
    }
    const ohlcv = await exchange.fetchOHLCV('BTC/USDT', '1m', T0 + 2 * MINUTE, 3);
    expect(ohlcv).toEqual([
      [T0 + 2 * MINUTE, 50_200, 50_200, 50_200, 50_200, 0],
      [T0 + 3 * MINUTE, 50_300, 50_300, 50_300, 50_300, 0],
      [T0 + 4 * MINUTE, 50_400, 50_400, 50_400, 50_400, 0],
    ]);
    expect(router.stats().byRoute['GET /api/v3/klines']).toBe(1);
    await expect(exchange.publicGetKlines({ symbol: 'BTCUSDT', interval: '7m' })).rejects.toThrow(/Invalid interval 7m/);
  });
});
