/**
 * The simulator endpoints behind ccxt's fetchStatus, fetchTrades and cancelAllOrders, exercised
 * by a real ccxt.binance running offline against the simulator's router.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { drive, offlineBinance } from '../support/offline-binance.js';

const SYMBOL = 'BTC/USDT';

describe('simulator endpoints ccxt calls', () => {
  it('fetchStatus: ok, and maintenance while the maintenance fault is on (the status answers; other requests get 503)', async () => {
    const { exchange, router, clock } = await offlineBinance();
    expect(await drive(clock, exchange.fetchStatus())).toMatchObject({ status: 'ok', info: { status: 0, msg: 'normal' } });
    router.setFaults({ maintenance: true });
    expect(await drive(clock, exchange.fetchStatus())).toMatchObject({ status: 'maintenance', info: { status: 1, msg: 'system_maintenance' } });
    await expect(drive(clock, exchange.fetchTicker(SYMBOL))).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    expect(router.stats().byRoute['GET /sapi/v1/system/status']).toBe(2);
  });

  it('fetchTrades: fills and price moves on the tape, with Binance aggregate-trade fields', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const t0 = clock.now();
    router.engine.setPrice('BTCUSDT', 50_100); // a move up: the taker bought
    await clock.advance(1_000);
    router.engine.setPrice('BTCUSDT', 50_000); // a move down: the taker sold
    await clock.advance(1_000);
    // A market buy takes liquidity: the buyer is the taker.
    await drive(clock, exchange.createOrder(SYMBOL, 'market', 'buy', 0.01));
    const raw = (await drive(clock, exchange.publicGetAggTrades({ symbol: 'BTCUSDT' }))) as Array<Record<string, unknown>>;
    expect(raw).toHaveLength(3);
    expect(Object.keys(raw[0]!).sort()).toEqual(['M', 'T', 'a', 'f', 'l', 'm', 'p', 'q']);
    expect(raw.map((t) => t.m)).toEqual([false, true, false]);
    expect(raw[2]).toMatchObject({ p: '50005.00000000', q: '0.01000000', T: t0 + 2_000 });
    const trades = await drive(clock, exchange.fetchTrades(SYMBOL));
    expect(trades.map((t) => [t.price, t.amount, t.side, t.timestamp])).toEqual([
      [50_100, 0.00001, 'buy', t0],
      [50_000, 0.00001, 'sell', t0 + 1_000],
      [50_005, 0.01, 'buy', t0 + 2_000],
    ]);
    // since (startTime, ccxt adds endTime = since + 1 h) and limit: the first trades from there.
    expect((await drive(clock, exchange.fetchTrades(SYMBOL, t0 + 1_000, 1))).map((t) => t.timestamp)).toEqual([t0 + 1_000]);
    // Without a start: the latest ones.
    expect((await drive(clock, exchange.fetchTrades(SYMBOL, undefined, 1))).map((t) => t.price)).toEqual([50_005]);
    // fromId: from that aggregate id on.
    const fromId = Number(raw[1]!.a);
    expect((await drive(clock, exchange.fetchTrades(SYMBOL, undefined, undefined, { fromId }))).map((t) => Number(t.id))).toEqual([fromId, Number(raw[2]!.a)]);
    // endTime only: up to then.
    expect((await drive(clock, exchange.fetchTrades(SYMBOL, undefined, undefined, { until: t0 + 500 }))).map((t) => t.timestamp)).toEqual([t0]);
  });

  it('fetchTrades refuses a bad limit by name', async () => {
    const { exchange, clock } = await offlineBinance();
    await expect(drive(clock, exchange.fetchTrades(SYMBOL, undefined, 5_000))).rejects.toThrow(/parameter 'limit'/);
  });

  it('a resting order filled by a price move is a trade whose maker is that order', async () => {
    const { exchange, router, clock } = await offlineBinance();
    await drive(clock, exchange.createOrder(SYMBOL, 'limit', 'sell', 0.01, 50_200));
    router.engine.setPrice('BTCUSDT', 50_300);
    const trades = await drive(clock, exchange.fetchTrades(SYMBOL));
    // The move (a buyer took liquidity), then our sell filled as maker: the buyer took it.
    expect(trades.map((t) => [t.price, t.amount, t.side])).toEqual([
      [50_300, 0.00001, 'buy'],
      [50_200, 0.01, 'buy'],
    ]);
  });

  it('cancelAllOrders: cancels every open order of the symbol, in Binance cancel-reply shape', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const a = await drive(clock, exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { newClientOrderId: 'keep-a' }));
    const b = await drive(clock, exchange.createOrder(SYMBOL, 'limit', 'buy', 0.02, 48_000, { newClientOrderId: 'keep-b' }));
    await drive(clock, exchange.createOrder('ETH/USDT', 'limit', 'buy', 0.1, 2_000, { newClientOrderId: 'other-symbol' }));
    await drive(clock, exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { newClientOrderId: 'filled' }));
    const cancelled = await drive(clock, exchange.cancelAllOrders(SYMBOL));
    expect(cancelled.map((o) => [o.id, o.clientOrderId, o.status])).toEqual([
      [a.id, 'keep-a', 'canceled'],
      [b.id, 'keep-b', 'canceled'],
    ]);
    expect(cancelled[0]!.info).toMatchObject({ symbol: 'BTCUSDT', origClientOrderId: 'keep-a', status: 'CANCELED', orderListId: -1, transactTime: expect.any(Number) });
    const held = router.engine.allOrdersHeld().map((o) => [o.clientOrderId, o.status]);
    expect(held).toEqual([
      ['keep-a', 'CANCELED'],
      ['keep-b', 'CANCELED'],
      ['other-symbol', 'NEW'],
      ['filled', 'FILLED'],
    ]);
    // The locked quote came back.
    expect(router.engine.balances().find((x) => x.asset === 'USDT')?.locked).toBe(200);
    // Nothing left to cancel: Binance's "Unknown order sent." (ccxt: OrderNotFound).
    await expect(drive(clock, exchange.cancelAllOrders(SYMBOL))).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('the control plane lists every order held, visible or not', async () => {
    const { exchange, router, clock } = await offlineBinance();
    router.setFaults({ visibilityDelayMs: 60_000 });
    await drive(clock, exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { newClientOrderId: 'hidden' }), 100, 5);
    const reply = await router.handle({ method: 'GET', url: '/_sim/orders', body: '' });
    expect(reply.kind === 'reply' && JSON.parse(reply.body)).toEqual([
      { clientOrderId: 'hidden', orderId: 1, symbol: 'BTCUSDT', status: 'NEW', time: expect.any(Number), updateTime: expect.any(Number) },
    ]);
  });
});
