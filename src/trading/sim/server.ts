/**
 * The simulated exchange over HTTP: enough of Binance's spot REST API for an unmodified
 * `ccxt.binance` pointed at it (see `pointAtSimulator`) to load markets, read tickers, order books
 * and balances, and place, fetch, list and cancel orders. Signed endpoints accept any signature.
 *
 * Control plane (JSON, not counted as API requests):
 *   GET  /_sim/stats    requests sent, per route, orders accepted, orders held, open orders
 *   GET  /_sim/orders   every order held (visible or not): clientOrderId, orderId, symbol, status, time, updateTime
 *   GET  /_sim/faults   current faults;  PUT|POST /_sim/faults  merge an update (see faults.ts)
 *   POST /_sim/fill     { symbol, orderId? | clientOrderId?, qty? }  the market trades an open order
 *   POST /_sim/price    { symbol, price }  set a mid price (resting orders that cross fill)
 *   POST /_sim/step     { maxMove? }  one seeded random step of every price
 *   POST /_sim/reveal   end every order's visibility delay now
 *   POST /_sim/reset-stats   zero the request counters
 */
import { type Clock, systemClock } from '../../core/clock.js';
import { checkInteger } from '../../core/option-checks.js';
import { type SimRouter, type SimRouterOptions, createSimRouter } from './router.js';
import { startHttpFront } from './http-front.js';
import { withDefaults } from '../../core/options.js';

export interface SimServerOptions extends SimRouterOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Interface to bind; loopback keeps the simulator private to this machine. */
  host?: string;
}

export const SIM_SERVER_DEFAULTS = {
  // 0: the OS picks a free port, so parallel test files never collide.
  port: 0,
  // Loopback only: a simulator has no business being reachable from elsewhere.
  host: '127.0.0.1',
} satisfies Partial<SimServerOptions>;

export interface SimServer extends Omit<SimRouter, 'handle'> {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** Whether the HTTP server accepts connections now. */
  readonly listening: boolean;
  /** An exchange outage: stops accepting connections and cuts the open ones; the engine and its state stay. */
  stopListening(): Promise<void>;
  /** Back after an outage: listens again on the same port, with the same state. */
  listenAgain(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the simulator and resolves once it listens. */
export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const { port, host } = withDefaults(SIM_SERVER_DEFAULTS, options);
  checkInteger('sim', 'port', port, 0, false, 65_535);
  const router = createSimRouter(options);
  const clock: Clock = options.clock ?? systemClock;

  const front = await startHttpFront(router.handle, { host, port, clock });
  return {
    url: front.url,
    get listening() {
      return front.listening;
    },
    stopListening: front.stopListening,
    listenAgain: front.listenAgain,
    engine: router.engine,
    stats: router.stats,
    resetStats: router.resetStats,
    faults: router.faults,
    setFaults: router.setFaults,
    close: front.stopListening,
  };
}

