/**
 * The simulated exchange over HTTP: enough of Binance's spot REST API for an unmodified
 * `ccxt.binance` pointed at it (see `binanceUrls`) to load markets, read tickers, order books
 * and balances, and place, fetch, list and cancel orders. Signed endpoints accept any signature.
 *
 * Control plane (JSON, not counted as API requests):
 *   GET  /_sim/stats    requests sent, per route, orders accepted, orders held, open orders
 *   GET  /_sim/faults   current faults;  PUT|POST /_sim/faults  merge an update (see faults.ts)
 *   POST /_sim/fill     { symbol, orderId? | clientOrderId?, qty? }  the market trades an open order
 *   POST /_sim/price    { symbol, price }  set a mid price (resting orders that cross fill)
 *   POST /_sim/step     { maxMove? }  one seeded random step of every price
 *   POST /_sim/reset-stats   zero the request counters
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock } from '../../core/clock.js';
import * as fmt from './binance-format.js';
import { SimEngine, type SimEngineOptions, type SimOrderType, type SimSide } from './engine.js';
import { type FailureRule, type SimFaults, type SimFaultsInput, noFaults, updateFaults } from './faults.js';

export interface SimServerOptions extends SimEngineOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Interface to bind; loopback keeps the simulator private to this machine. */
  host?: string;
  /** Faults active from the start. */
  faults?: SimFaultsInput;
}

export const simServerDefaults = {
  // 0: the OS picks a free port, so parallel test files never collide.
  port: 0,
  // Loopback only: a simulator has no business being reachable from elsewhere.
  host: '127.0.0.1',
} satisfies Partial<SimServerOptions>;

export interface SimStats {
  /** API requests received (control-plane requests excluded). */
  requests: number;
  /** API requests per "METHOD /path". */
  byRoute: Record<string, number>;
  /** Orders accepted since start. */
  ordersAccepted: number;
  /** Orders the exchange holds (accepted, whatever their status). */
  ordersHeld: number;
  /** Orders open right now. */
  openOrders: number;
}

export interface SimServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly engine: SimEngine;
  stats(): SimStats;
  resetStats(): void;
  faults(): SimFaults;
  setFaults(update: SimFaultsInput): SimFaults;
  close(): Promise<void>;
}

type Params = Record<string, string>;

class HttpError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Request weights of the endpoints, as Binance counts them (simplified). */
const WEIGHTS: Record<string, number> = {
  'GET /api/v3/exchangeInfo': 20,
  'GET /api/v3/depth': 5,
  'GET /api/v3/ticker/24hr': 2,
  'GET /api/v3/account': 20,
  'GET /api/v3/openOrders': 6,
  'GET /api/v3/allOrders': 20,
  'GET /api/v3/myTrades': 20,
  'GET /api/v3/order': 4,
};

/** Starts the simulator and resolves once it listens. */
export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const { port, host } = { ...simServerDefaults, ...options };
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new RangeError(`sim: port must be an integer 0..65535, got ${port}`);
  const engine = new SimEngine(options);
  const clock: Clock = engine.clock;
  let faults = options.faults ? updateFaults(noFaults(), options.faults) : noFaults();
  engine.visibilityDelayMs = faults.visibilityDelayMs;
  let requests = 0;
  let byRoute: Record<string, number> = {};
  let bannedUntil = 0;
  let weightWindow = { minute: -1, used: 0 };
  let orderWindow = { tenSeconds: -1, count: 0 };

  const setFaults = (update: SimFaultsInput): SimFaults => {
    faults = updateFaults(faults, update);
    engine.visibilityDelayMs = faults.visibilityDelayMs;
    return faults;
  };

  const stats = (): SimStats => {
    const held = engine.allOrdersHeld();
    return {
      requests,
      byRoute: { ...byRoute },
      ordersAccepted: engine.ordersAccepted,
      ordersHeld: held.length,
      openOrders: held.filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED').length,
    };
  };

  /** Takes the first failure rule matching this request, spending one of its times. */
  const takeRule = (method: string, path: string, afterAccept: boolean): FailureRule | undefined => {
    const index = faults.failures.findIndex(
      (r) => (r.method === undefined || r.method === method) && (r.path === undefined || r.path === path) && r.afterAccept === afterAccept,
    );
    const rule = faults.failures[index];
    if (!rule) return undefined;
    const left = rule.times - 1;
    faults = { ...faults, failures: left > 0 ? faults.failures.map((r, i) => (i === index ? { ...r, times: left } : r)) : faults.failures.filter((_, i) => i !== index) };
    return rule;
  };

  const ruleError = (rule: FailureRule): HttpError => {
    const headers: Record<string, string> = rule.retryAfterSec !== undefined ? { 'Retry-After': String(rule.retryAfterSec) } : {};
    if (rule.status === 418) {
      bannedUntil = clock.now() + (rule.retryAfterSec ?? 120) * 1000;
      return new HttpError(418, -1003, `Way too much request weight used; IP banned until ${bannedUntil}.`, headers);
    }
    if (rule.status === 429) return new HttpError(429, -1003, 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.', headers);
    if (rule.status >= 500) return new HttpError(rule.status, -1001, 'Internal error; unable to process your request. Please try again.', headers);
    return new HttpError(rule.status, -1000, 'An unknown error occurred while processing the request.', headers);
  };

  const usageHeaders = (route: string, isOrder: boolean): Record<string, string> => {
    const now = clock.now();
    const minute = Math.floor(now / 60_000);
    if (minute !== weightWindow.minute) weightWindow = { minute, used: 0 };
    weightWindow.used += WEIGHTS[route] ?? 1;
    const tenSeconds = Math.floor(now / 10_000);
    if (tenSeconds !== orderWindow.tenSeconds) orderWindow = { tenSeconds, count: 0 };
    if (isOrder) orderWindow.count++;
    return {
      'X-MBX-USED-WEIGHT-1M': String(weightWindow.used),
      'X-MBX-ORDER-COUNT-10S': String(orderWindow.count),
    };
  };

  const marketOf = (params: Params) => {
    const symbol = params.symbol;
    if (symbol === undefined) throw new HttpError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    const market = engine.market(symbol);
    if (!market) throw new HttpError(400, -1121, 'Invalid symbol.');
    return market;
  };

  const orderRef = (params: Params): { orderId?: number; clientOrderId?: string } => {
    if (params.orderId !== undefined) return { orderId: Number(params.orderId) };
    if (params.origClientOrderId !== undefined) return { clientOrderId: params.origClientOrderId };
    throw new HttpError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  };

  /** Handles an API route; `accepted` tells the caller an order was booked (for reply faults). */
  const api = (method: string, path: string, params: Params, accepted: { order: boolean }): unknown => {
    const route = `${method} ${path}`;
    const now = clock.now();
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
        return fmt.ticker24hr(engine, marketOf(params), now);
      case 'GET /api/v3/depth':
        return fmt.depth(engine, marketOf(params), Number(params.limit ?? 100));
      case 'GET /api/v3/account':
        return fmt.account(engine, now);
      case 'POST /api/v3/order': {
        const market = marketOf(params);
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
        accepted.order = true;
        return fmt.orderAck(result.order);
      }
      case 'GET /api/v3/order': {
        const market = marketOf(params);
        const order = engine.findOrder(market.symbol, orderRef(params));
        if (!order) throw new HttpError(400, -2013, 'Order does not exist.');
        return fmt.orderView(order);
      }
      case 'DELETE /api/v3/order': {
        const market = marketOf(params);
        const result = engine.cancelOrder(market.symbol, orderRef(params));
        if (!result.ok) throw new HttpError(result.rejection.status, result.rejection.code, result.rejection.msg);
        return fmt.cancelView(result.order);
      }
      case 'GET /api/v3/openOrders': {
        const symbol = params.symbol === undefined ? undefined : marketOf(params).symbol;
        return engine.visibleOrders(symbol).filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED').map(fmt.orderView);
      }
      case 'GET /api/v3/allOrders':
        return engine.visibleOrders(marketOf(params).symbol).map(fmt.orderView);
      case 'GET /api/v3/myTrades':
        return fmt.myTrades(engine.visibleOrders(marketOf(params).symbol));
      default:
        throw new HttpError(404, -1000, `The simulator does not serve ${route}.`);
    }
  };

  const control = async (method: string, path: string, req: IncomingMessage): Promise<unknown> => {
    const body = method === 'GET' ? {} : parseJsonBody(await readBody(req));
    switch (`${method} ${path}`) {
      case 'GET /_sim/stats':
        return stats();
      case 'GET /_sim/faults':
        return faults;
      case 'PUT /_sim/faults':
      case 'POST /_sim/faults':
        return setFaults(body as SimFaultsInput);
      case 'POST /_sim/reset-stats':
        requests = 0;
        byRoute = {};
        return stats();
      case 'POST /_sim/fill': {
        const { symbol, orderId, clientOrderId, qty } = body as { symbol?: string; orderId?: number; clientOrderId?: string; qty?: number };
        if (typeof symbol !== 'string') throw new TypeError('sim fill: symbol (a Binance market id such as BTCUSDT) is required');
        const order = engine.fillOrder(symbol, orderId !== undefined ? { orderId } : { clientOrderId }, qty);
        if (!order) throw new TypeError(`sim fill: no open order ${orderId ?? clientOrderId} on ${symbol}`);
        return fmt.orderView(order);
      }
      case 'POST /_sim/price': {
        const { symbol, price } = body as { symbol?: string; price?: number };
        engine.setPrice(String(symbol), Number(price));
        return { symbol, price };
      }
      case 'POST /_sim/step': {
        const { maxMove } = body as { maxMove?: number };
        engine.step(maxMove);
        return engine.listMarkets().map((m) => ({ symbol: m.symbol, price: m.mid }));
      }
      default:
        throw new HttpError(404, -1000, `unknown control route ${method} ${path}`);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (path.startsWith('/_sim/')) {
      try {
        send(res, 200, await control(method, path, req));
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 400;
        send(res, status, { error: error instanceof HttpError ? error.msg : error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    requests++;
    const route = `${method} ${path}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
    const params: Params = Object.fromEntries(url.searchParams);
    if (method === 'POST' || method === 'PUT') Object.assign(params, Object.fromEntries(new URLSearchParams(await readBody(req))));
    const isOrder = route === 'POST /api/v3/order';
    if (faults.latencyMs > 0) await clock.sleep(faults.latencyMs);
    const headers = usageHeaders(route, isOrder);
    const accepted = { order: false };
    try {
      if (clock.now() < bannedUntil) {
        const retryAfter = String(Math.ceil((bannedUntil - clock.now()) / 1000));
        throw new HttpError(418, -1003, `Way too much request weight used; IP banned until ${bannedUntil}.`, { 'Retry-After': retryAfter });
      }
      if (faults.maintenance) throw new HttpError(503, 1, 'System is under maintenance.');
      const before = takeRule(method, path, false);
      if (before) throw ruleError(before);
      const result = api(method, path, params, accepted);
      if (accepted.order) {
        const after = takeRule(method, path, true);
        if (after) throw ruleError(after);
        if (faults.dropReplyAfterAccept > 0) {
          faults = { ...faults, dropReplyAfterAccept: faults.dropReplyAfterAccept - 1 };
          // The order is booked; the client never hears of it.
          req.socket.destroy();
          return;
        }
        if (faults.holdReplyAfterAccept > 0) {
          faults = { ...faults, holdReplyAfterAccept: faults.holdReplyAfterAccept - 1 };
          await clock.sleep(faults.holdReplyMs);
        }
      }
      send(res, 200, result, headers);
    } catch (error) {
      if (error instanceof HttpError) send(res, error.status, { code: error.code, msg: error.msg }, { ...headers, ...error.headers });
      else send(res, 500, { code: -1000, msg: error instanceof Error ? error.message : String(error) }, headers);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, 500, { code: -1000, msg: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    engine,
    stats,
    resetStats: () => {
      requests = 0;
      byRoute = {};
    },
    faults: () => faults,
    setFaults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TypeError('sim control: the body must be JSON');
  }
}
