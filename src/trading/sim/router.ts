/**
 * The simulator's request handling without a transport: the HTTP server (server.ts) and the
 * in-process fetch (fetch.ts) both hand requests to one router, so an offline test and a loopback
 * test see the same exchange.
 */
import { type Clock, setTimerOn } from '../../core/clock.js';
import { answerApi } from './api-routes.js';
import * as fmt from './binance-format.js';
import { SimEngine, type SimEngineOptions } from './engine.js';
import { type FailureRule, type SimFaults, type SimFaultsInput, noFaults, updateFaults } from './faults.js';
import { HttpError, type Params } from './http-error.js';

export interface SimRouterOptions extends SimEngineOptions {
  /** Faults active from the start. */
  faults?: SimFaultsInput;
}

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

export interface SimRequest {
  method: string;
  /** Path and query, e.g. /api/v3/order?symbol=BTCUSDT */
  url: string;
  /** Form-encoded (API) or JSON (control plane) body. */
  body: string;
}

export type SimReply =
  /** Answer with this; a transport waits `delayMs` first (a held reply). */
  | { kind: 'reply'; status: number; headers: Record<string, string>; body: string; delayMs: number }
  /** The order was booked but no reply goes out: the connection is cut. */
  | { kind: 'drop' };

export interface SimRouter {
  readonly engine: SimEngine;
  handle(request: SimRequest): Promise<SimReply>;
  stats(): SimStats;
  resetStats(): void;
  faults(): SimFaults;
  setFaults(update: SimFaultsInput): SimFaults;
}

/** Request weights of the endpoints, as Binance counts them (simplified). */
const WEIGHTS: Record<string, number> = {
  'GET /api/v3/exchangeInfo': 20,
  'GET /api/v3/depth': 5,
  'GET /api/v3/klines': 2,
  'GET /api/v3/ticker/24hr': 2,
  'GET /api/v3/account': 20,
  'GET /api/v3/openOrders': 6,
  'GET /api/v3/allOrders': 20,
  'GET /api/v3/myTrades': 20,
  'GET /api/v3/order': 4,
  'GET /api/v3/aggTrades': 4,
};

/** Binance's API stops waiting for the matching engine after this long and answers -1007. */
export const SIM_BACKEND_TIMEOUT_MS = 10_000;

/** Binance's recvWindow when a signed request names none, and the largest it accepts. */
const RECV_WINDOW_DEFAULT_MS = 5_000;
const RECV_WINDOW_MAX_MS = 60_000;

/**
 * Binance's timing security for a signed request at server time `now`: -1021 when its timestamp is
 * more than 1 s ahead or older than its recvWindow (also checked when an order reaches the engine).
 */
function timingError(params: Params, now: number): HttpError | undefined {
  if (params.timestamp === undefined) return undefined;
  const timestamp = Number(params.timestamp);
  const recvWindow = params.recvWindow === undefined ? RECV_WINDOW_DEFAULT_MS : Number(params.recvWindow);
  if (!Number.isFinite(timestamp)) return new HttpError(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  if (!(Number.isFinite(recvWindow) && recvWindow > 0 && recvWindow <= RECV_WINDOW_MAX_MS)) return new HttpError(400, -1131, 'recvWindow must be less than 60000');
  if (timestamp > now + 1_000) return new HttpError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  if (now > timestamp + recvWindow) return new HttpError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
  return undefined;
}

export function createSimRouter(options: SimRouterOptions = {}): SimRouter {
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
    const error = (code: number, msg: string): HttpError => new HttpError(rule.status, rule.code ?? code, rule.msg ?? msg, headers);
    if (rule.status === 418) {
      bannedUntil = clock.now() + (rule.retryAfterSec ?? 120) * 1000;
      return error(-1003, `Way too much request weight used; IP banned until ${bannedUntil}.`);
    }
    if (rule.status === 429) return error(-1003, 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.');
    if (rule.status >= 500) return error(-1001, 'Internal error; unable to process your request. Please try again.');
    return error(-1000, 'An unknown error occurred while processing the request.');
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

  const control = (method: string, path: string, text: string): unknown => {
    const body = method === 'GET' ? {} : parseJsonBody(text);
    switch (`${method} ${path}`) {
      case 'GET /_sim/stats':
        return stats();
      case 'GET /_sim/faults':
        return faults;
      case 'GET /_sim/orders':
        // Every order the exchange holds, visible or not: what a test or a soak compares its journal with.
        return engine.allOrdersHeld().map((o) => ({ clientOrderId: o.clientOrderId, orderId: o.orderId, symbol: o.symbol, status: o.status, time: o.time, updateTime: o.updateTime }));
      case 'PUT /_sim/faults':
      case 'POST /_sim/faults':
        return setFaults(body as SimFaultsInput);
      case 'POST /_sim/reveal':
        engine.revealOrders();
        return stats();
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

  const json = (status: number, body: unknown, headers: Record<string, string> = {}, delayMs = 0): SimReply => ({
    kind: 'reply',
    status,
    headers: { 'Content-Type': 'application/json;charset=UTF-8', ...headers },
    body: JSON.stringify(body),
    delayMs,
  });

  /** The exchange's own time: ours moved by the clock-skew fault. */
  const serverNow = (): number => clock.now() + faults.clockSkewMs;

  const handle = async (request: SimRequest): Promise<SimReply> => {
    const method = request.method.toUpperCase();
    const url = new URL(request.url, 'http://sim');
    const path = url.pathname;
    if (path.startsWith('/_sim/')) {
      try {
        return json(200, control(method, path, request.body));
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 400;
        return json(status, { error: error instanceof HttpError ? error.msg : error instanceof Error ? error.message : String(error) });
      }
    }
    const route = `${method} ${path}`;
    const isOrder = route === 'POST /api/v3/order';
    if (isOrder && faults.loseRequests > 0) {
      // Lost on the way: the exchange never sees it.
      faults = { ...faults, loseRequests: faults.loseRequests - 1 };
      return { kind: 'drop' };
    }
    requests++;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
    const params: Params = Object.fromEntries(url.searchParams);
    if (method === 'POST' || method === 'PUT') Object.assign(params, Object.fromEntries(new URLSearchParams(request.body)));
    if (faults.latencyMs > 0) await clock.sleep(faults.latencyMs);
    const headers = usageHeaders(route, isOrder);
    const accepted = { order: false };
    try {
      if (clock.now() < bannedUntil) {
        const retryAfter = String(Math.ceil((bannedUntil - clock.now()) / 1000));
        throw new HttpError(418, -1003, `Way too much request weight used; IP banned until ${bannedUntil}.`, { 'Retry-After': retryAfter });
      }
      if (faults.maintenance && route !== 'GET /sapi/v1/system/status') throw new HttpError(503, 1, 'System is under maintenance.');
      const before = takeRule(method, path, false);
      if (before) throw ruleError(before);
      const late = timingError(params, serverNow());
      if (late) throw late;
      if (isOrder && faults.matchingDelayMs > 0) {
        const delayMs = faults.matchingDelayMs;
        // The engine takes the order later, and only if its window still allows (Binance's guarantee).
        const atEngine = (): unknown => {
          const tooLate = timingError(params, serverNow());
          if (tooLate) throw tooLate;
          return answerApi(engine, route, params, { now: serverNow(), maintenance: faults.maintenance, accepted });
        };
        if (delayMs > SIM_BACKEND_TIMEOUT_MS) {
          setTimerOn(clock, delayMs, () => {
            try {
              atEngine();
            } catch {
              // Refused at the engine: nobody is waiting for the answer any more.
            }
          });
          await clock.sleep(SIM_BACKEND_TIMEOUT_MS);
          throw new HttpError(408, -1007, 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.');
        }
        await clock.sleep(delayMs);
        return json(200, atEngine(), headers);
      }
      const result = answerApi(engine, route, params, { now: serverNow(), maintenance: faults.maintenance, accepted });
      let delayMs = 0;
      if (accepted.order) {
        const after = takeRule(method, path, true);
        if (after) throw ruleError(after);
        if (faults.dropReplyAfterAccept > 0) {
          faults = { ...faults, dropReplyAfterAccept: faults.dropReplyAfterAccept - 1 };
          return { kind: 'drop' };
        }
        if (faults.holdReplyAfterAccept > 0) {
          faults = { ...faults, holdReplyAfterAccept: faults.holdReplyAfterAccept - 1 };
          delayMs = faults.holdReplyMs;
        }
      }
      return json(200, result, headers, delayMs);
    } catch (error) {
      if (error instanceof HttpError) return json(error.status, { code: error.code, msg: error.msg }, { ...headers, ...error.headers });
      return json(500, { code: -1000, msg: error instanceof Error ? error.message : String(error) }, headers);
    }
  };

  return {
    engine,
    handle,
    stats,
    resetStats: () => {
      requests = 0;
      byRoute = {};
    },
    faults: () => faults,
    setFaults,
  };
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TypeError('sim control: the body must be JSON');
  }
}
