/**
 * The order follower: keeps the journal in step with the exchange, one pass at a time. A pass is
 * what `reconcile()` runs at start-up; `followOrders()` runs it every `intervalMs` so fills,
 * partial fills, cancels and expiries reach the journal within one interval of the exchange
 * showing them, and UNKNOWN intents are settled as soon as the exchange can answer.
 *
 * One pass:
 *  1. open orders, once per symbol (journalled intents' symbols and `symbols`);
 *  2. live intents (OPEN, PARTIALLY_FILLED): still open -> take the fills shown; left the open
 *     list -> fetch the order and take its final state (FILLED, CANCELED, EXPIRED);
 *  3. unresolved intents (PENDING, SENT, UNKNOWN) with no placement running here: found open or by
 *     a lookup -> take its state; not found -> FAILED once the exchange's never-placed rule
 *     (orders/never-placed.ts) says it can no longer appear, or, with no rule, after
 *     `unknownGraceMs`; else they stay unresolved;
 *  4. open orders no intent knows -> adopted into the journal (`adopted:<order id>`).
 * Fetches and lookups are capped per pass (`maxFetchesPerPass`), so a pass costs at most
 * 6 x symbols + 30 x maxFetchesPerPass request weight on Binance; what is left waits for the next pass.
 */
import type { Order } from 'ccxt';
import { type CancelTimer, setTimerOn } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger, checkNonEmptyString, checkNumber } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import type { ResilientExchange } from './exchange.js';
import type { TradingGate } from './gate.js';
import type { IntentRecord } from './orders/journal.js';
import { neverPlacedAfter, recvWindowOf } from './orders/never-placed.js';
import { liveStates, stateOfOrder, unresolvedStates } from './orders/state.js';
import { messageOf } from '../core/errors.js';

export interface OrderFollowerOptions {
  /** Symbols whose open orders are checked for orphans, besides those of journalled intents. */
  symbols?: string[];
  /** The gate: its `condition` is cleared by a clean pass, and its unknown-orders rule is fed with the journal's unresolved intents. */
  gate?: TradingGate;
  /** The gate condition a pass holding the gate raises and a clean pass clears; one per account when several accounts share a gate (`reconcile:<account>`). */
  condition?: string;
  /** With no never-placed rule for the exchange: an unresolved intent absent for longer than this is FAILED. */
  unknownGraceMs?: number;
  /** A PENDING or SENT intent with no placement running here, untouched this long, is taken as UNKNOWN (a crashed placement). */
  abandonedAfterMs?: number;
  /** Adopt open orders that no intent knows of into the journal (and read `symbols`' open orders for them). */
  adoptOrphans?: boolean;
  /**
   * Follow only the intents whose id starts with this (one bot's own, e.g. `bot-1-`); every intent
   * of the exchange when unset. Bots sharing an account follow their own intents, and the fleet's
   * leader follows them all (see `scope()`), so a dead bot's intents still reach their end.
   */
  intentPrefix?: string;
  /** Order fetches and lookups per pass at most (request weight); the rest wait for the next pass. */
  maxFetchesPerPass?: number;
  /** Time between passes of `followOrders()`. */
  intervalMs?: number;
  /** How often the clock offset to the exchange is measured again (only while the never-placed rule needs it). */
  offsetRefreshMs?: number;
}

export const ORDER_FOLLOWER_DEFAULTS = {
  symbols: [] as string[],
  gate: undefined as TradingGate | undefined,
  // The account's own name only matters when several accounts share one gate.
  condition: 'reconcile',
  // Ten minutes: far beyond any exchange's visibility delay, so absence then means never placed.
  unknownGraceMs: 10 * 60_000,
  // Two minutes: longer than any placement here can take (a minute of Retry-After plus request timeouts).
  abandonedAfterMs: 2 * 60_000,
  // Yes: an order we hold but do not know of is exposure the gate and checks cannot see.
  adoptOrphans: true,
  // Every intent: a process alone on its account owns them all.
  intentPrefix: undefined as string | undefined,
  // Ten: at most 300 request weight a pass on Binance even when every fetch is a full lookup.
  maxFetchesPerPass: 10,
  // Two seconds: fills reach the journal well within the demo's 10 s bound, at 6 weight per symbol.
  intervalMs: 2_000,
  // A minute: clocks drift by milliseconds per hour; one cheap request (weight 1) a minute at most.
  offsetRefreshMs: 60_000,
};

export interface FollowReport {
  /** Unresolved intents found on the exchange, with their new state. */
  resolved: Array<{ intentId: string; state: string; orderId: string }>;
  /** Unresolved intents now FAILED: not found past the never-placed deadline or the grace period. */
  failed: string[];
  /** Of `failed`, those the exchange's never-placed rule settled (the rest: the grace period). */
  neverPlaced: string[];
  /** Intents still unresolved (absent within the deadline, lookup failed or not reached this pass). */
  unresolved: string[];
  /** Live intents whose state changed (partly filled, filled, cancelled, expired). */
  updated: Array<{ intentId: string; from: string; to: string }>;
  /** Open orders found on the exchange with no intent, adopted under intent id `adopted:<order id>`. */
  adopted: Array<{ intentId: string; orderId: string; symbol: string }>;
  /** Lookups that failed (exchange errors); their intents stay as they were. */
  errors: Array<{ scope: string; error: unknown }>;
  /** True when nothing is unresolved and no lookup failed. */
  clean: boolean;
}

export interface OrderFollowerEvents {
  /** A pass ended (clean or not): what it found and did. */
  pass: FollowReport;
  /** A background pass threw (the journal failed): the next pass runs as planned. */
  passFailed: { error: unknown };
}

/** What a follower follows: its intents (all, or one prefix's) and whether it adopts orphans. */
export type FollowScope = Pick<OrderFollowerOptions, 'intentPrefix' | 'adoptOrphans'>;

export class OrderFollower implements EventSource<OrderFollowerEvents> {
  private o: typeof ORDER_FOLLOWER_DEFAULTS;
  private readonly events = new Emitter<OrderFollowerEvents>();
  private offset: { ms: number; at: number } | undefined;
  private timer: CancelTimer | undefined;
  private running: Promise<FollowReport | undefined> | undefined;
  private stopped = true;
  /** The report of the last pass, if any. */
  lastReport: FollowReport | undefined;

  constructor(
    private readonly rex: ResilientExchange,
    options: OrderFollowerOptions = {},
  ) {
    this.o = withDefaults(ORDER_FOLLOWER_DEFAULTS, options);
    // Infinity turns the step off (e.g. never give unknown orders up to the operator).
    for (const name of ['unknownGraceMs', 'abandonedAfterMs', 'offsetRefreshMs'] as const) checkNumber('orderFollower', name, this.o[name], 0, Infinity, false, true);
    checkNumber('orderFollower', 'intervalMs', this.o.intervalMs, 0, Infinity, true);
    checkInteger('orderFollower', 'maxFetchesPerPass', this.o.maxFetchesPerPass, 1);
    if (this.o.intentPrefix !== undefined) checkNonEmptyString('orderFollower', 'intentPrefix', this.o.intentPrefix);
  }

  on<K extends keyof OrderFollowerEvents & string>(name: K, listener: Listener<OrderFollowerEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** What this follower follows now. */
  get currentScope(): { intentPrefix: string | undefined; adoptOrphans: boolean } {
    return { intentPrefix: this.o.intentPrefix, adoptOrphans: this.o.adoptOrphans };
  }

  /**
   * Changes what the next passes follow: a bot widens it to every intent while it leads its
   * account (a dead bot's intents are then followed by the leader) and narrows it back when deposed.
   * Keys left out keep their value; `intentPrefix: undefined` means every intent.
   */
  scope(scope: FollowScope): this {
    const next = { ...this.o };
    if ('intentPrefix' in scope) next.intentPrefix = scope.intentPrefix;
    if (scope.adoptOrphans !== undefined) next.adoptOrphans = scope.adoptOrphans;
    if (next.intentPrefix !== undefined) checkNonEmptyString('orderFollower.scope', 'intentPrefix', next.intentPrefix);
    this.o = next;
    return this;
  }

  /** Runs a pass every `intervalMs` until `stop()`. */
  start(): this {
    if (!this.stopped) return this;
    this.stopped = false;
    this.schedule();
    return this;
  }

  /** Stops passing and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.();
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimerOn(this.rex.clock, this.o.intervalMs, () => {
      this.running = this.pass().then(
        (report) => report,
        (error: unknown) => {
          this.events.emit('passFailed', { error });
          return undefined;
        },
      );
      void this.running.finally(() => {
        this.running = undefined;
        this.schedule();
      });
    });
  }

  /**
   * One pass over the journal and the exchange. `holdGate` (what reconcile() asks): the gate holds
   * 'reconcile' (reducing) while the pass runs and after it when it is not clean; any clean pass
   * clears that condition.
   */
  async pass(options: { holdGate?: boolean } = {}): Promise<FollowReport> {
    const { rex, o } = this;
    const gate = o.gate;
    const journal = rex.journal;
    const report: FollowReport = { resolved: [], failed: [], neverPlaced: [], unresolved: [], updated: [], adopted: [], errors: [], clean: false };
    if (options.holdGate) gate?.raise(o.condition, 'reducing', `reconciling the order journal with the exchange${o.condition === 'reconcile' ? '' : ` (${rex.id})`}`);
    let fetchesLeft = o.maxFetchesPerPass;

    // Ours to follow: intents in scope whose placement is not running in this process.
    const prefix = o.intentPrefix;
    const inScope = (i: IntentRecord): boolean => prefix === undefined || i.intentId.startsWith(prefix);
    const unresolved = (await journal.listByState(unresolvedStates, { exchange: rex.id })).filter((i) => inScope(i) && !rex.isPlacing(i.intentId));
    const live = (await journal.listByState(liveStates, { exchange: rex.id })).filter(inScope);
    // `symbols` are read for orphans; a follower that adopts none reads only its intents' symbols.
    const symbols = new Set([...(o.adoptOrphans ? o.symbols : []), ...unresolved.map((i) => i.symbol), ...live.map((i) => i.symbol)]);

    const openBySymbol = new Map<string, Order[]>();
    for (const symbol of symbols) {
      try {
        openBySymbol.set(symbol, await rex.fetchOpenOrders(symbol));
      } catch (error) {
        report.errors.push({ scope: `open orders ${symbol}`, error });
      }
    }
    const openOf = (intent: IntentRecord): Order | undefined => openBySymbol.get(intent.symbol)?.find((x) => x.clientOrderId === intent.clientOrderId);

    for (const intent of live) {
      if (!openBySymbol.has(intent.symbol)) continue; // its open list failed: already an error
      const open = openOf(intent);
      if (!open && fetchesLeft <= 0) continue;
      try {
        let order: Order | undefined = open;
        if (!order) {
          fetchesLeft--;
          order = intent.exchangeOrderId ? await rex.fetchOrder(intent.exchangeOrderId, intent.symbol) : await rex.lookUpIntent(intent.intentId);
        }
        if (!order) continue;
        await rex.noteOrder(order);
        const after = await journal.get(intent.intentId);
        if (after && after.state !== intent.state) report.updated.push({ intentId: intent.intentId, from: intent.state, to: after.state });
      } catch (error) {
        report.errors.push({ scope: `intent ${intent.intentId}`, error });
      }
    }

    for (const intent of unresolved) {
      const open = openOf(intent);
      if (!open && fetchesLeft <= 0) {
        report.unresolved.push(intent.intentId);
        continue;
      }
      try {
        let order: Order | undefined = open;
        if (order) await rex.noteOrder(order);
        else {
          fetchesLeft--;
          order = await rex.lookUpIntent(intent.intentId);
        }
        if (order) {
          report.resolved.push({ intentId: intent.intentId, state: stateOfOrder(order), orderId: String(order.id) });
          continue;
        }
        const settled = await this.settleAbsent(intent, report);
        if (!settled) report.unresolved.push(intent.intentId);
      } catch (error) {
        report.errors.push({ scope: `intent ${intent.intentId}`, error });
        report.unresolved.push(intent.intentId);
      }
    }

    if (o.adoptOrphans) await this.adoptOrphans(openBySymbol, report);

    report.clean = report.unresolved.length === 0 && report.errors.length === 0;
    if (gate) {
      if (report.clean) gate.clear(o.condition, 'reconciliation clean');
      else if (options.holdGate) {
        const why = report.errors.length > 0 ? `reconciliation failed: ${report.errors.length} lookups failed` : `${report.unresolved.length} order intents unresolved`;
        gate.raise(o.condition, 'reducing', why);
      }
      // UNKNOWN intents whose own lookups have given up (a placement still looking counts once it gives up).
      const still = (await journal.listByState('UNKNOWN', { exchange: rex.id })).filter((i) => !rex.isPlacing(i.intentId));
      gate.syncUnknownOrders(rex.id, still.map((i) => ({ intentId: i.intentId, since: i.updatedAt })));
    }
    this.lastReport = report;
    this.events.emit('pass', report);
    return report;
  }

  /** An unresolved intent no lookup showed: FAILED when it can no longer appear; true when settled. */
  private async settleAbsent(intent: IntentRecord, report: FollowReport): Promise<boolean> {
    const { rex, o } = this;
    const now = rex.clock.now();
    const rule = rex.neverPlaced;
    if (intent.state === 'UNKNOWN' && rule) {
      const offset = await this.clockOffset(report);
      if (offset !== undefined) {
        const after = neverPlacedAfter(rule, intent.updatedAt, intent.params, offset);
        if (now > after) {
          const window = recvWindowOf(rule, intent.params);
          await rex.concludeNotPlaced(
            intent,
            `never placed: not found ${now - intent.updatedAt} ms after its outcome became unknown; ${rex.id} refuses a request not at its matching engine by timestamp + recvWindow (${window} ms)`,
            'never-placed',
          );
          report.failed.push(intent.intentId);
          report.neverPlaced.push(intent.intentId);
          return true;
        }
      }
    }
    if (!rule && now - intent.createdAt > o.unknownGraceMs) {
      await rex.concludeNotPlaced(intent, 'not found on the exchange after the grace period: never placed', 'grace-expired');
      report.failed.push(intent.intentId);
      return true;
    }
    if ((intent.state === 'PENDING' || intent.state === 'SENT') && now - intent.updatedAt > o.abandonedAfterMs) {
      await rex.markUnknown(intent, `found ${intent.state} with no placement running`);
    }
    return false;
  }

  /** Server time minus local time, measured again after `offsetRefreshMs`; undefined when never measured. */
  private async clockOffset(report: FollowReport): Promise<number | undefined> {
    const now = this.rex.clock.now();
    if (this.offset === undefined || now - this.offset.at >= this.o.offsetRefreshMs) {
      try {
        this.offset = { ms: await this.rex.measureClockOffset(), at: now };
      } catch (error) {
        report.errors.push({ scope: 'clock offset', error });
      }
    }
    return this.offset?.ms;
  }

  private async adoptOrphans(openBySymbol: Map<string, Order[]>, report: FollowReport): Promise<void> {
    const journal = this.rex.journal;
    for (const [symbol, orders] of openBySymbol) {
      for (const order of orders) {
        const known = order.clientOrderId ? await journal.getByClientOrderId(order.clientOrderId) : await journal.get(`adopted:${order.id}`);
        if (known) continue;
        const intentId = `adopted:${order.id}`;
        try {
          await journal.putIfAbsent({
            intentId,
            clientOrderId: order.clientOrderId || intentId,
            exchange: this.rex.id,
            symbol,
            side: order.side === 'sell' ? 'sell' : 'buy',
            type: order.type ?? 'limit',
            amount: order.amount ?? order.remaining ?? 0,
            price: order.price ?? null,
            state: stateOfOrder(order),
            exchangeOrderId: String(order.id),
          });
          report.adopted.push({ intentId, orderId: String(order.id), symbol });
        } catch (error) {
          report.errors.push({ scope: `adopt order ${order.id}`, error: new Error(`adopting order ${order.id}: ${messageOf(error)}`) });
        }
      }
    }
  }
}

/** Follows every order to its end in the background: a pass every `intervalMs` (see OrderFollower). */
export function followOrders(rex: ResilientExchange, options?: OrderFollowerOptions): OrderFollower {
  return new OrderFollower(rex, options).start();
}
