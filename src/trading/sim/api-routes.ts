/**
 * The simulated exchange's API routes: one answer per "METHOD /path" of Binance's spot API that
 * ccxt calls, read from or applied to the engine. Transport, faults, weights and timing security
 * are the router's (router.ts); this file only answers.
 */
import * as fmt from './binance-format.js';
import { KLINE_INTERVALS } from './candles.js';
import type { SimEngine, SimOrderType, SimSide } from './engine.js';
import { HttpError, type Params } from './http-error.js';

export interface ApiContext {
  /** Server time of the request. */
  now: number;
  /** The maintenance fault is on (the system status route says so). */
  maintenance: boolean;
  /** Set to true when an order was booked. */
  accepted: { order: boolean };
}

/** `limit` of a list route: Binance's default 500, at most 1000. */
function limitParam(params: Params): number {
  const limit = params.limit === undefined ? 500 : Number(params.limit);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new HttpError(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '1' to '1000'.");
  return limit;
}

/** An optional numeric parameter (an integer when `integer`); a malformed one is Binance's -1100. */
function numberParam(params: Params, name: string, integer = false): number | undefined {
  const text = params[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(integer ? Number.isInteger(value) : Number.isFinite(value))) throw new HttpError(400, -1100, `Illegal characters found in parameter '${name}'.`);
  return value;
}

function marketOf(engine: SimEngine, params: Params) {
  const symbol = params.symbol;
  if (symbol === undefined) throw new HttpError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  const market = engine.market(symbol);
  if (!market) throw new HttpError(400, -1121, 'Invalid symbol.');
  return market;
};

function orderRef(params: Params): { orderId?: number; clientOrderId?: string } {
  if (params.orderId !== undefined) return { orderId: Number(params.orderId) };
  if (params.origClientOrderId !== undefined) return { clientOrderId: params.origClientOrderId };
  throw new HttpError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
}

/** Answers an API route ("METHOD /path") from the engine's state; `ctx.accepted.order` tells the caller an order was booked (for reply faults). */
export function answerApi(engine: SimEngine, route: string, params: Params, ctx: ApiContext): unknown {
  const { now } = ctx;
  switch (route) {
    case 'GET /api/v3/ping':
      return {};
    case 'GET /api/v3/time':
      return { serverTime: now };
    case 'GET /api/v3/exchangeInfo':
      return fmt.exchangeInfo(engine, now);
    case 'GET /fapi/v1/exchangeInfo':
    case 'GET /dapi/v1/exchangeInfo':
      // Only spot is simulated: futures venues list no symbols.
      return { timezone: 'UTC', serverTime: now, rateLimits: [], exchangeFilters: [], assets: [], symbols: [] };
    case 'GET /sapi/v1/capital/config/getall':
    case 'GET /sapi/v1/margin/allPairs':
    case 'GET /sapi/v1/margin/isolated/allPairs':
      // Currency and margin listings: empty, only spot markets are simulated.
      return [];
    case 'GET /api/v3/ticker/24hr':
      if (params.symbol === undefined) return engine.listMarkets().map((m) => fmt.ticker24hr(engine, m, now));
      return fmt.ticker24hr(engine, marketOf(engine, params), now);
    case 'GET /api/v3/depth':
      return fmt.depth(engine, marketOf(engine, params), Number(params.limit ?? 100));
    case 'GET /api/v3/klines': {
      const market = marketOf(engine, params);
      const intervalMs = KLINE_INTERVALS[params.interval ?? ''];
      if (intervalMs === undefined) throw new HttpError(400, -1120, `Invalid interval ${String(params.interval)}; one of ${Object.keys(KLINE_INTERVALS).join(', ')}.`);
      return engine.candles(market.symbol, intervalMs, { startTime: numberParam(params, 'startTime'), endTime: numberParam(params, 'endTime'), limit: limitParam(params) }).map(fmt.kline);
    }
    case 'GET /sapi/v1/system/status':
      // Answers during maintenance too: that is what it is for.
      return ctx.maintenance ? { status: 1, msg: 'system_maintenance' } : { status: 0, msg: 'normal' };
    case 'GET /api/v3/aggTrades': {
      const market = marketOf(engine, params);
      const query = { fromId: numberParam(params, 'fromId', true), startTime: numberParam(params, 'startTime', true), endTime: numberParam(params, 'endTime', true), limit: limitParam(params) };
      return engine.trades(market.symbol, query).map(fmt.aggTrade);
    }
    case 'GET /api/v3/account':
      return fmt.account(engine, now);
    case 'POST /api/v3/order': {
      const market = marketOf(engine, params);
      const result = engine.placeOrder({
        symbol: market.symbol,
        side: (params.side ?? '').toUpperCase() as SimSide,
        type: (params.type ?? '').toUpperCase() as SimOrderType,
        quantity: Number(params.quantity),
        price: params.price === undefined ? undefined : Number(params.price),
        timeInForce: params.timeInForce,
        clientOrderId: params.newClientOrderId,
      });
      if (!result.ok) throw new HttpError(result.rejection.status, result.rejection.code, result.rejection.msg);
      ctx.accepted.order = true;
      return fmt.orderAck(result.order);
    }
    case 'GET /api/v3/order': {
      const market = marketOf(engine, params);
      const order = engine.findOrder(market.symbol, orderRef(params));
      if (!order) throw new HttpError(400, -2013, 'Order does not exist.');
      return fmt.orderView(order);
    }
    case 'DELETE /api/v3/order': {
      const market = marketOf(engine, params);
      const result = engine.cancelOrder(market.symbol, orderRef(params));
      if (!result.ok) throw new HttpError(result.rejection.status, result.rejection.code, result.rejection.msg);
      return fmt.cancelView(result.order);
    }
    case 'DELETE /api/v3/openOrders': {
      const cancelled = engine.cancelAllOrders(marketOf(engine, params).symbol);
      // Binance answers "Unknown order sent." when there was nothing to cancel.
      if (cancelled.length === 0) throw new HttpError(400, -2011, 'Unknown order sent.');
      return cancelled.map(fmt.cancelView);
    }
    case 'GET /api/v3/openOrders': {
      const symbol = params.symbol === undefined ? undefined : marketOf(engine, params).symbol;
      return engine.visibleOrders(symbol).filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED').map(fmt.orderView);
    }
    case 'GET /api/v3/allOrders':
      return engine.visibleOrders(marketOf(engine, params).symbol).map(fmt.orderView);
    case 'GET /api/v3/myTrades':
      return fmt.myTrades(engine.visibleOrders(marketOf(engine, params).symbol));
    default:
      throw new HttpError(404, -1000, `The simulator does not serve ${route}.`);
  }
}
