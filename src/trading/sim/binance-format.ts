/** The simulator's engine objects in Binance spot REST shapes (strings for decimals, as Binance sends them). */
import type { SimEngine, SimMarket, SimOrder } from './engine.js';
import type { Candle } from './candles.js';
import type { TapeTrade } from './trade-tape.js';

const dec = (value: number): string => value.toFixed(8);

export function exchangeInfo(engine: SimEngine, now: number): Record<string, unknown> {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
    ],
    exchangeFilters: [],
    symbols: engine.listMarkets().map(symbolInfo),
  };
}

function symbolInfo(m: SimMarket): Record<string, unknown> {
  return {
    symbol: m.symbol,
    status: 'TRADING',
    baseAsset: m.base,
    baseAssetPrecision: 8,
    quoteAsset: m.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
    icebergAllowed: false,
    ocoAllowed: false,
    quoteOrderQtyMarketAllowed: false,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: dec(m.tickSize), maxPrice: '10000000.00000000', tickSize: dec(m.tickSize) },
      { filterType: 'LOT_SIZE', minQty: dec(m.minQty), maxQty: '9000.00000000', stepSize: dec(m.stepSize) },
      { filterType: 'NOTIONAL', minNotional: dec(m.minNotional), applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/** A candle as /api/v3/klines sends it: an array, prices and volumes as decimal strings. */
export function kline(c: Candle): unknown[] {
  return [c.openTime, dec(c.open), dec(c.high), dec(c.low), dec(c.close), dec(c.volume), c.closeTime, dec(c.quoteVolume), c.trades, dec(0), dec(0), '0'];
}

export function ticker24hr(engine: SimEngine, m: SimMarket, now: number): Record<string, unknown> {
  const { bid, ask } = engine.bidAsk(m);
  return {
    symbol: m.symbol,
    priceChange: dec(m.mid - m.price),
    priceChangePercent: ((100 * (m.mid - m.price)) / m.price).toFixed(3),
    weightedAvgPrice: dec(m.mid),
    prevClosePrice: dec(m.price),
    lastPrice: dec(m.mid),
    lastQty: dec(1),
    bidPrice: dec(bid),
    bidQty: dec(5),
    askPrice: dec(ask),
    askQty: dec(5),
    openPrice: dec(m.price),
    highPrice: dec(Math.max(m.price, m.mid)),
    lowPrice: dec(Math.min(m.price, m.mid)),
    volume: dec(1000),
    quoteVolume: dec(1000 * m.mid),
    openTime: now - 86_400_000,
    closeTime: now,
    firstId: 1,
    lastId: 1000,
    count: 1000,
  };
}

export function depth(engine: SimEngine, m: SimMarket, limit: number): Record<string, unknown> {
  const { bid, ask } = engine.bidAsk(m);
  const levels = Math.max(1, Math.min(limit, 100));
  const side = (start: number, dir: number): string[][] =>
    Array.from({ length: levels }, (_, i) => [dec(start + dir * i * m.tickSize), dec(1 + i)]);
  return { lastUpdateId: Math.floor(engine.clock.now()), bids: side(bid, -1), asks: side(ask, 1) };
}

/** The fields every order reply carries, whichever endpoint sends it. */
function orderFields(o: SimOrder): Record<string, unknown> {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: dec(o.price),
    origQty: dec(o.origQty),
    executedQty: dec(o.executedQty),
    cummulativeQuoteQty: dec(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    workingTime: o.time,
    selfTradePreventionMode: 'NONE',
  };
}

/** An order as GET /api/v3/order (and openOrders, allOrders) sends it. */
export function orderView(o: SimOrder): Record<string, unknown> {
  return {
    ...orderFields(o),
    stopPrice: dec(0),
    icebergQty: dec(0),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    origQuoteOrderQty: dec(0),
  };
}

/** The reply to POST /api/v3/order with newOrderRespType=FULL. */
export function orderAck(o: SimOrder): Record<string, unknown> {
  return {
    ...orderFields(o),
    transactTime: o.time,
    fills: o.fills.map((f) => ({ price: dec(f.price), qty: dec(f.qty), commission: dec(0), commissionAsset: 'BNB', tradeId: f.tradeId })),
  };
}

export function cancelView(o: SimOrder): Record<string, unknown> {
  return { ...orderView(o), origClientOrderId: o.clientOrderId, transactTime: o.updateTime };
}

export function account(engine: SimEngine, now: number): Record<string, unknown> {
  return {
    makerCommission: 10,
    takerCommission: 10,
    buyerCommission: 0,
    sellerCommission: 0,
    canTrade: true,
    canWithdraw: true,
    canDeposit: true,
    brokered: false,
    requireSelfTradePrevention: false,
    updateTime: now,
    accountType: 'SPOT',
    balances: engine.balances().map((b) => ({ asset: b.asset, free: dec(b.free), locked: dec(b.locked) })),
    permissions: ['SPOT'],
  };
}

export function myTrades(orders: SimOrder[]): Array<Record<string, unknown>> {
  return orders.flatMap((o) =>
    o.fills.map((f) => ({
      symbol: o.symbol,
      id: f.tradeId,
      orderId: o.orderId,
      orderListId: -1,
      price: dec(f.price),
      qty: dec(f.qty),
      quoteQty: dec(f.price * f.qty),
      commission: dec(0),
      commissionAsset: 'BNB',
      time: o.updateTime,
      isBuyer: o.side === 'BUY',
      isMaker: false,
      isBestMatch: true,
    })),
  );
}

/** One trade as /api/v3/aggTrades sends it: each simulated trade is its own aggregate (first = last trade id). */
export function aggTrade(t: TapeTrade): Record<string, unknown> {
  return { a: t.id, p: dec(t.price), q: dec(t.qty), f: t.id, l: t.id, T: t.time, m: t.buyerMaker, M: true };
}
