/**
 * The demo's sample bot: every tick it reads the ticker and places a small limit order near the
 * price through the whole stack (cheap refusals: ban, trading gate -> rate limit -> timeout ->
 * bulkhead -> resilient exchange with its retries, breakers, gate and journal); now and then it
 * cancels stale open orders. Orders that fail for good go to the dead-letter queue. It is a
 * showcase, not a strategy.
 */
import { type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { checkNumber } from '../core/option-checks.js';
import type { Policy } from '../core/policy.js';
import { RateLimitedError, messageOf } from '../core/errors.js';
import type { DeadLetterQueue } from '../dlq/dead-letters.js';
import { TradingGateError, classifyOrderFailure, isRecoverable } from '../trading/errors.js';
import type { ResilientExchange } from '../trading/exchange.js';

export interface DemoBotOptions {
  exchange: ResilientExchange;
  /** Policies around each order, outermost first (rate limit, timeout, bulkhead): the order's one charge against its limit. */
  orderPolicy: Policy;
  deadLetters: DeadLetterQueue;
  clock?: Clock;
  random?: () => number;
  symbol?: string;
  /** Time between ticks; one second keeps the dashboard moving without flooding the journal. */
  tickMs?: number;
  /** Base amount per order; 0.001 BTC is above the simulator's minimums. */
  amount?: number;
  /** Open orders older than this are cancelled; 15 s lets some fill as the price walks. */
  staleOrderMs?: number;
  /** Starts every intent id, so bots sharing one journal never collide (e.g. the instance name). */
  intentPrefix?: string;
}

export const DEMO_BOT_DEFAULTS = {
  clock: systemClock as Clock,
  random: Math.random as () => number,
  symbol: 'BTC/USDT',
  tickMs: 1_000,
  amount: 0.001,
  staleOrderMs: 15_000,
  // One bot per journal in the demo.
  intentPrefix: 'demo',
};

export interface DemoBotStats {
  ticks: number;
  ordersPlaced: number;
  ordersFailed: number;
  /** Refused by the trading gate (halted, or reducing for a new exposure) before anything was spent. */
  refusedByGate: number;
  /** Refused during an exchange ban before anything was spent. */
  refusedByBan: number;
  readsFailed: number;
}

/** The error's class and message, as a dead letter records it. */
const describeFailure = (error: unknown): string => (error instanceof Error ? `${error.constructor.name}: ${messageOf(error)}` : messageOf(error));

/** The exchange refused the order for good (ccxt's ExchangeError family, not a network error): worth a dead letter. */
function isPermanent(error: unknown): boolean {
  return classifyOrderFailure(error) === 'rejected' && !isRecoverable(error);
}

export class DemoBot {
  readonly stats: DemoBotStats = { ticks: 0, ordersPlaced: 0, ordersFailed: 0, refusedByGate: 0, refusedByBan: 0, readsFailed: 0 };
  private readonly o: typeof DEMO_BOT_DEFAULTS & DemoBotOptions;
  private cancel: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private side: 'buy' | 'sell' = 'buy';

  constructor(options: DemoBotOptions) {
    this.o = { ...DEMO_BOT_DEFAULTS, ...options };
    checkNumber('demoBot', 'tickMs', this.o.tickMs, 0, Infinity, true);
    checkNumber('demoBot', 'amount', this.o.amount, 0, Infinity, true);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancel = setTimerOn(this.o.clock, this.o.tickMs, () => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    });
  }

  /** Stops ticking and waits for the tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
  }

  /** One round: read, maybe trade, maybe tidy up. Never throws. */
  async tick(): Promise<void> {
    const { exchange, symbol } = this.o;
    this.stats.ticks++;
    let price: number | undefined;
    try {
      const ticker = await exchange.fetchTicker(symbol);
      price = ticker.last ?? undefined;
    } catch {
      this.stats.readsFailed++;
    }
    if (price !== undefined) await this.placeOrder(price);
    if (this.stats.ticks % 5 === 0) await this.cancelStale();
  }

  private async placeOrder(price: number): Promise<void> {
    const { exchange, symbol, random } = this.o;
    this.side = this.side === 'buy' ? 'sell' : 'buy';
    const side = this.side;
    // Near the touch, so some orders fill as the price walks and some rest.
    const offset = (random() * 0.0015 - 0.0005) * (side === 'buy' ? -1 : 1);
    const limit = Math.round(price * (1 + offset) * 100) / 100;
    const amount = Math.round(this.o.amount * (1 + Math.floor(random() * 3)) * 1e6) / 1e6;
    const intentId = `${this.o.intentPrefix}-${this.o.clock.now().toString(36)}-${Math.floor(random() * 1e9).toString(36)}`;
    try {
      // Cheap refusals first: a halted gate or a ban costs no token, no bulkhead slot, no journal write.
      exchange.assertAdmissible({ symbol, side, type: 'limit', amount, price: limit });
    } catch (error) {
      if (error instanceof TradingGateError) this.stats.refusedByGate++;
      else if (error instanceof RateLimitedError) this.stats.refusedByBan++;
      else this.stats.ordersFailed++;
      return;
    }
    try {
      await this.o.orderPolicy.execute(() => exchange.createOrder(symbol, 'limit', side, amount, limit, { intentId }));
      this.stats.ordersPlaced++;
    } catch (error) {
      if (error instanceof TradingGateError) {
        this.stats.refusedByGate++;
        return;
      }
      this.stats.ordersFailed++;
      if (isPermanent(error)) {
        await this.o.deadLetters
          .add({ operation: 'createOrder', payload: { symbol, type: 'limit', side, amount, price: limit, intentId }, error: describeFailure(error) })
          .catch(() => undefined);
      }
    }
  }

  private async cancelStale(): Promise<void> {
    const { exchange, symbol, clock, staleOrderMs } = this.o;
    try {
      const open = await exchange.fetchOpenOrders(symbol);
      const stale = open.filter((order) => order.id !== undefined && order.timestamp !== undefined && clock.now() - order.timestamp > staleOrderMs).slice(0, 5);
      for (const order of stale) await exchange.cancelOrder(String(order.id), symbol).catch(() => undefined);
    } catch {
      this.stats.readsFailed++;
    }
  }
}

export function demoBot(options: DemoBotOptions): DemoBot {
  return new DemoBot(options);
}
