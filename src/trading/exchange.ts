/**
 * resilientExchange(exchange, options?): a ccxt exchange with trading safety.
 *
 * Same signatures as ccxt's unified methods. Reads retry on ccxt's recoverable errors under a
 * retry budget, behind a breaker for the whole exchange and one per endpoint group; tickers and
 * order books fall back to their last known good value, marked `stale: true` with `ageMs`.
 * createOrder never places a second order for one intent (orders/placement.ts). A 429 or 418
 * pauses every request to the exchange for its Retry-After (ban-guard.ts).
 */
import type { Balances, Exchange, Int, Num, OHLCV, Order, OrderBook, OrderSide, OrderType, Str, Ticker, Trade } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { ResilienceError } from '../core/errors.js';
import { RollingRetryBudget } from '../limits/retry-budget.js';
import { type CircuitBreaker, circuitBreaker } from '../policies/breaker/index.js';
import { pipeline } from '../policies/pipeline.js';
import { type RetryPolicy, retry } from '../policies/retry.js';
import type { RetryBudget } from '../core/retry-budget.js';
import type { SettingsChange } from '../core/settings-change.js';
import { type ExchangeSettings, type ExchangeSettingsChange, applyExchangeSettings, exchangeSettingsOf } from './exchange-settings.js';
import { attachRateBudget } from './budget-hook.js';
import { attachSendFence } from './orders/send-fence.js';
import { checkNonEmptyString, checkNumber, checkOneOf, checkShape } from '../core/option-checks.js';
import { isOrderNotFound, isRecoverable } from './errors.js';
import { type ResilientExchangeOptions, resolveExchangeOptions } from './exchange-options.js';
import { newIntentId } from './orders/intent-id.js';
import type { IntentJournal, IntentRecord } from './orders/journal.js';
import { memoryJournal } from './orders/memory-journal.js';
import type { OrderRequest } from './orders/admission.js';
import { type NeverPlacedRule, neverPlacedRuleFor } from './orders/never-placed.js';
import { type IntentEvent, type NotPlacedCause, OrderPlacer } from './orders/placement.js';
import { presetBreakerOptions } from './presets.js';
import { type EndpointGroup, type ExchangeRejected, RequestPath, type RequestPathParts } from './request-path.js';
import { type BanGuardState, ExchangeBanGuard } from './ban-guard.js';
import { warnDeprecated } from '../core/deprecated.js';
import { failoverGroup } from '../failover/failover-group.js';
import type { FailoverGroup } from '../failover/types.js';
import { endpointOutcome } from './endpoint-outcome.js';
import { EndpointRouting } from './endpoint-routing.js';

export type { EndpointGroup, ExchangeRejected, ExchangeRejectReason } from './request-path.js';

/** How fresh a value is: `stale: true` means the exchange failed and this is the last known good value. */
export interface Freshness {
  stale: boolean;
  /** Age of the value in ms (0 when fresh from the exchange). */
  ageMs: number;
}

export interface ResilientExchangeEvents {
  /** An order intent changed state. */
  intent: IntentEvent;
  /** An order's fate stayed unknown after every lookup (OrderStatusUnknownError); reconcile() will settle it. */
  unresolved: { intentId: string; clientOrderId: string; error: unknown };
  /** A journal write made after an order left failed for good: the order follower or reconcile() settles the intent from the exchange. */
  journalWriteFailed: { intentId: string; to: IntentRecord['state']; error: unknown };
  /** A last-known-good value was served because the exchange failed. */
  stale: { method: 'fetchTicker' | 'fetchOrderBook'; symbol: string; ageMs: number; error: unknown };
  /**
   * The exchange refused a request (429/418): `reason` `'rate-limited'` (requests pause for
   * `retryAfterMs`) or `'banned'` (calls fail at once meanwhile).
   */
  rejected: ExchangeRejected;
  /** A read is tried again (`attempt` counts from 1, so the first retry is attempt 2). */
  retry: { method: string; attempt: number };
  /** Its settings changed while it traded (`reconfigure()`): { from, to, at }. */
  settingsChange: SettingsChange<ExchangeSettings>;
}

type CreateOrderParams = Record<string, unknown> & { intentId?: string };

const ORDER_SIDES = ['buy', 'sell'] as const;

export class ResilientExchange implements EventSource<ResilientExchangeEvents> {
  /** The wrapped ccxt exchange. */
  readonly exchange: Exchange;
  readonly journal: IntentJournal;
  /** The breaker over every call to this exchange, and one per endpoint group (undefined when breakers are off). */
  readonly breakers: { exchange: CircuitBreaker; groups: Record<EndpointGroup, CircuitBreaker> } | undefined;
  private readonly events = new Emitter<ResilientExchangeEvents>();
  private readonly options: ReturnType<typeof resolveExchangeOptions>;
  private readonly banGuard: ExchangeBanGuard;
  private readonly requests: RequestPath;
  private readonly placer: OrderPlacer;
  private readonly lastGood = new Map<string, { value: unknown; at: number }>();
  /** When an unseen order counts as never placed on this exchange; undefined: no guarantee. */
  readonly neverPlaced: NeverPlacedRule | undefined;
  /** The failover group of the exchange's REST hosts (the `endpoints` option); undefined when requests go to ccxt's own URL. */
  readonly endpoints: FailoverGroup<string> | undefined;
  private readonly routing: EndpointRouting | undefined;
  /** What `reconfigure()` changes. */
  private readonly tunables: { retry: RetryPolicy; retryBudget: RetryBudget };

  constructor(exchange: Exchange, options: ResilientExchangeOptions = {}) {
    checkShape('resilientExchange', 'exchange', exchange, 'a ccxt exchange instance (new ccxt.binance({...}))', ['createOrder']);
    const ownRetries = Number((exchange.options as Record<string, unknown> | undefined)?.maxRetriesOnFailure ?? 0);
    if (ownRetries > 0) {
      throw new RangeError(
        `resilientExchange: exchange.options.maxRetriesOnFailure is ${ownRetries}; ccxt's own retries resend createOrder after a timeout, which can place a second order. Set it to 0: this wrapper retries safely.`,
      );
    }
    const o = resolveExchangeOptions(options);
    const account = o.account ?? exchange.id;
    this.options = o;
    this.exchange = exchange;
    this.journal = o.journal ?? memoryJournal({ clock: o.clock });
    this.banGuard = new ExchangeBanGuard({ clock: o.clock, maxWaitMs: o.maxRetryAfterMs, default429Ms: o.default429Ms, default418Ms: o.default418Ms });
    const retryBudget = o.retryBudget ?? new RollingRetryBudget({ clock: o.clock });
    const banGuard = this.banGuard;
    const readRetry = retry({
      maxAttempts: o.maxAttempts,
      backoff: o.backoff,
      retryOn: (e) => isRecoverable(e) && !banGuard.isBanned,
      retryBudget,
      clock: o.clock,
      // A ccxt look-alike: its callers catch ccxt's errors, so the last one is rethrown as it was.
      rethrowLastError: true,
    });
    this.tunables = { retry: readRetry, retryBudget };
    let paths: RequestPathParts['breakers'];
    if (o.breaker === false) {
      this.breakers = undefined;
      paths = { marketData: undefined, account: undefined, orders: undefined };
    } else {
      const make = (name: string): CircuitBreaker =>
        circuitBreaker(presetBreakerOptions('exchangeApi', { isFailure: isRecoverable, clock: o.clock, ...o.breaker, name: `${account}:${name}` }));
      const whole = make('all');
      const groups = { marketData: make('marketData'), account: make('account'), orders: make('orders') };
      this.breakers = { exchange: whole, groups };
      paths = { marketData: pipeline(whole, groups.marketData), account: pipeline(whole, groups.account), orders: pipeline(whole, groups.orders) };
    }
    if (o.endpoints !== undefined) {
      const group: FailoverGroup<string> = Array.isArray(o.endpoints)
        ? failoverGroup<string>({ name: `${account}:rest`, clock: o.clock, random: o.random, classify: endpointOutcome, ...o.endpointGroup, endpoints: o.endpoints })
        : (o.endpoints as FailoverGroup<string>);
      // Closest to the transport: the send fence and a rate budget, attached below around it, see one request whichever hosts it tried.
      this.routing = new EndpointRouting({ group, attempts: o.endpointAttempts, retryBudget });
      // Not started here: the group works lazily on every pick (ejections end, slow start moves on); start() adds
      // its timers and health checks, and whoever runs the process stops them (the demo and the service do).
      this.routing.attach(exchange);
      this.endpoints = group;
    } else {
      this.routing = undefined;
      this.endpoints = undefined;
    }
    this.requests = new RequestPath({ exchange, account, banGuard, retryBudget, readRetry, breakers: paths, events: this.events });
    // The fence first: the rate budget's hook wraps it, so the last check runs after the budget's wait.
    const fence = attachSendFence(exchange, o.admission);
    if (o.rateBudget) attachRateBudget(exchange, o.rateBudget);
    this.neverPlaced = o.neverPlaced === null ? undefined : (o.neverPlaced ?? neverPlacedRuleFor(exchange.id));
    this.placer = new OrderPlacer({
      journal: this.journal,
      clock: o.clock,
      requests: this.requests,
      admission: o.admission,
      fence,
      settings: { lookupAttempts: o.lookupAttempts, lookupBackoff: o.lookupBackoff, placeAttempts: o.placeAttempts, clientOrderId: Object.freeze({ ...o.clientOrderId }), neverPlaced: this.neverPlaced },
      events: this.events,
    });
  }

  on<K extends keyof ResilientExchangeEvents & string>(name: K, listener: Listener<ResilientExchangeEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** The account's name (the `account` option; by default the ccxt id): the journal's `exchange` column. */
  get id(): string {
    return this.requests.account;
  }

  /** The ccxt id of the exchange (`binance`), whatever the account is named. */
  get exchangeId(): string {
    return this.exchange.id;
  }

  /** The clock this wrapper waits and measures with. */
  get clock(): Clock {
    return this.options.clock;
  }

  /** The settings in force that `reconfigure()` can change. */
  currentSettings(): ExchangeSettings {
    return exchangeSettingsOf(this.settingsParts());
  }

  /**
   * Changes settings while it trades (a tuning applied live): the ccxt client's `timeoutMs`, the
   * `maxAttempts` of a read or a cancel, the `retryBudget`'s share and floor, and the `breaker`
   * settings of every breaker of this wrapper (breaker.reconfigure: states kept, open ones keep
   * their end). Every value is checked before any changes; a bad one throws naming it. Calls in
   * flight finish under the settings they started with, except a read already retrying, which
   * reads the new tries at its next failure. Emits `settingsChange`; returns the settings now in force.
   */
  reconfigure(changes: ExchangeSettingsChange): ExchangeSettings {
    const { from, to } = applyExchangeSettings(this.settingsParts(), changes);
    this.events.emit('settingsChange', { from, to, at: this.options.clock.now() });
    return to;
  }

  private settingsParts(): Parameters<typeof exchangeSettingsOf>[0] {
    const breakers = this.breakers ? [this.breakers.exchange, ...Object.values(this.breakers.groups)] : [];
    return { client: this.exchange, ...this.tunables, breakers };
  }

  /** Until when requests are held back after a 429/418, and whether that is a ban. */
  banGuardState(): BanGuardState {
    return this.banGuard.state();
  }

  /** @deprecated Renamed `banGuardState()`; removed at 1.0. */
  throttleState(): BanGuardState {
    warnDeprecated('BULWARK_DEP_THROTTLE_STATE', 'resilientExchange: throttleState() is deprecated and will be removed at 1.0; use banGuardState()');
    return this.banGuardState();
  }

  /**
   * The cheap refusals, with nothing spent: a ban in force or an admission (the gate, pre-trade
   * checks) refusing a new order throws here. Call it before taking a rate-limit token or a
   * bulkhead slot for a new order; createOrder asks the same again.
   */
  assertAdmissible(request: Omit<OrderRequest, 'params'> & { params?: Record<string, unknown> }): void {
    this.banGuard.assertNotBanned();
    const full: OrderRequest = { ...request, params: request.params ?? {} };
    for (const admission of this.options.admission) admission.admit(full);
  }

  /** Whether a createOrder of this intent is running in this process (or its last journal writes are). */
  isPlacing(intentId: string): boolean {
    return this.placer.isPlacing(intentId);
  }

  /**
   * Resolves once every journal write of this wrapper's orders is durable: the transitions after
   * an order left are written behind it. Call before closing the journal's storage.
   */
  flushJournal(): Promise<void> {
    return this.placer.flush();
  }

  /** Server time minus local time in ms (the midpoint of the request), read from the exchange. */
  async measureClockOffset(): Promise<number> {
    const before = this.options.clock.now();
    const serverTime = await this.read('marketData', 'fetchTime', () => this.exchange.fetchTime());
    const after = this.options.clock.now();
    if (typeof serverTime !== 'number' || !Number.isFinite(serverTime)) throw new TypeError(`${this.exchange.id}: fetchTime returned no time`);
    return serverTime - (before + after) / 2;
  }

  /** A read: retried on recoverable errors under the budget, through the ban guard and the group's breakers. */
  private read<T>(group: EndpointGroup, method: string, fn: () => Promise<T>): Promise<T> {
    return this.requests.read(group, method, fn);
  }

  /** A read with a last-known-good fallback for recoverable failures (and our own refusals: open breaker, ban). */
  private async readWithFallback<T extends object>(method: 'fetchTicker' | 'fetchOrderBook', key: string, symbol: string, fn: () => Promise<T>): Promise<T & Freshness> {
    try {
      const value = await this.read('marketData', method, fn);
      this.lastGood.set(key, { value, at: this.options.clock.now() });
      return Object.assign(value, { stale: false, ageMs: 0 });
    } catch (error) {
      const cached = this.lastGood.get(key);
      const ageMs = cached ? this.options.clock.now() - cached.at : Infinity;
      if (!cached || ageMs > this.options.maxStaleMs || !(isRecoverable(error) || error instanceof ResilienceError)) throw error;
      this.events.emit('stale', { method, symbol, ageMs, error });
      return { ...(cached.value as T), stale: true, ageMs };
    }
  }

  loadMarkets(reload?: boolean, params?: object): ReturnType<Exchange['loadMarkets']> {
    return this.read('marketData', 'loadMarkets', () => this.exchange.loadMarkets(reload, params));
  }

  async fetchTicker(symbol: string, params?: Record<string, unknown>): Promise<Ticker & Freshness> {
    const ticker = await this.readWithFallback('fetchTicker', `ticker|${symbol}`, symbol, () => this.exchange.fetchTicker(symbol, params));
    if (!ticker.stale) this.options.feeds?.update(symbol, ticker);
    return ticker;
  }

  fetchOrderBook(symbol: string, limit?: Int, params?: Record<string, unknown>): Promise<OrderBook & Freshness> {
    return this.readWithFallback('fetchOrderBook', `book|${symbol}|${limit ?? ''}`, symbol, () => this.exchange.fetchOrderBook(symbol, limit, params));
  }

  fetchOHLCV(symbol: string, timeframe?: string, since?: Int, limit?: Int, params?: Record<string, unknown>): Promise<OHLCV[]> {
    return this.read('marketData', 'fetchOHLCV', () => this.exchange.fetchOHLCV(symbol, timeframe, since, limit, params));
  }

  fetchBalance(params?: Record<string, unknown>): Promise<Balances> {
    return this.read('account', 'fetchBalance', () => this.exchange.fetchBalance(params));
  }

  fetchMyTrades(symbol?: Str, since?: Int, limit?: Int, params?: Record<string, unknown>): Promise<Trade[]> {
    return this.read('account', 'fetchMyTrades', () => this.exchange.fetchMyTrades(symbol, since, limit, params));
  }

  async fetchOrder(id: string, symbol?: Str, params?: Record<string, unknown>): Promise<Order> {
    const order = await this.read('orders', 'fetchOrder', () => this.exchange.fetchOrder(id, symbol, params));
    await this.noteOrder(order);
    return order;
  }

  fetchOpenOrders(symbol?: Str, since?: Int, limit?: Int, params?: Record<string, unknown>): Promise<Order[]> {
    return this.read('orders', 'fetchOpenOrders', () => this.exchange.fetchOpenOrders(symbol, since, limit, params));
  }

  fetchClosedOrders(symbol?: Str, since?: Int, limit?: Int, params?: Record<string, unknown>): Promise<Order[]> {
    return this.read('orders', 'fetchClosedOrders', () => this.exchange.fetchClosedOrders(symbol, since, limit, params));
  }

  fetchOrders(symbol?: Str, since?: Int, limit?: Int, params?: Record<string, unknown>): Promise<Order[]> {
    return this.read('orders', 'fetchOrders', () => this.exchange.fetchOrders(symbol, since, limit, params));
  }

  /**
   * Places an order for an intent (`params.intentId`, or a fresh one). The client order id is
   * derived from the intent id and always sent; the same intent id again returns the same order.
   */
  createOrder(symbol: string, type: OrderType, side: OrderSide, amount: number, price?: Num, params: CreateOrderParams = {}): Promise<Order> {
    const { intentId: given, ...rest } = params;
    // Bad input rejects the returned promise, as the exchange's own refusals do.
    try {
      if (given !== undefined) checkNonEmptyString('createOrder', 'params.intentId', given);
      if (rest.clientOrderId !== undefined || rest.newClientOrderId !== undefined) {
        throw new TypeError('createOrder: pass params.intentId, not a client order id: the client order id is derived from the intent id');
      }
      checkOneOf('createOrder', 'side', side, ORDER_SIDES);
      checkNumber('createOrder', 'amount', amount, 0, Infinity, true);
    } catch (error) {
      return Promise.reject(error);
    }
    const intentId = given ?? newIntentId(this.options.random);
    const place = (): Promise<Order> => this.placer.place(intentId, { symbol, side, type, amount, price: price ?? undefined, params: rest });
    // Its lookups avoid the host that lost its answer.
    return this.routing ? this.routing.scope(place) : place();
  }

  /**
   * Cancels an order, retrying recoverable failures. OrderNotFound means the order is already gone
   * (filled, cancelled, or cancelled by an earlier try whose reply was lost): it is confirmed by
   * fetching the order, which is returned with its final status.
   */
  async cancelOrder(id: string, symbol?: Str, params?: Record<string, unknown>): Promise<Order> {
    try {
      const order = await this.read('orders', 'cancelOrder', () => this.exchange.cancelOrder(id, symbol, params));
      await this.noteOrder(order);
      return order;
    } catch (error) {
      if (!isOrderNotFound(error)) throw error;
      let order: Order;
      try {
        order = await this.read('orders', 'fetchOrder', () => this.exchange.fetchOrder(id, symbol, params));
      } catch {
        throw error;
      }
      if (order.status === 'open') throw error;
      await this.noteOrder(order);
      return order;
    }
  }

  /** Looks an intent's order up by client order id (one round, no backoff); undefined when not shown. Used by reconcile. */
  async lookUpIntent(intentId: string): Promise<Order | undefined> {
    const intent = await this.journal.get(intentId);
    if (!intent) throw new RangeError(`lookUpIntent: no intent "${intentId}" in the journal`);
    const find = (): Promise<Order | undefined> => this.placer.findByClientOrderId(intent);
    const order = await (this.routing ? this.routing.scope(find) : find());
    if (order) await this.placer.record(intent, order);
    return order;
  }

  /** Moves an unresolved intent that no placement here is running for to UNKNOWN. Used by the order follower. */
  async markUnknown(intent: IntentRecord, error: string): Promise<void> {
    await this.placer.markUnknown(intent, error);
  }

  /** Ends an unresolved intent FAILED: not placed, as `cause` concludes. Used by the order follower. */
  async concludeNotPlaced(intent: IntentRecord, error: string, cause: NotPlacedCause): Promise<void> {
    await this.placer.concludeNotPlaced(intent, error, cause);
  }

  /** Writes an order seen on the exchange into the journal when it belongs to an intent. */
  async noteOrder(order: Order): Promise<void> {
    if (!order.clientOrderId) return;
    const intent = await this.journal.getByClientOrderId(order.clientOrderId);
    if (intent) await this.placer.record(intent, order);
  }
}

/** Wraps a ccxt exchange. Works with zero options (in-memory journal, exchangeApi breakers, retries under a budget). */
export function resilientExchange(exchange: Exchange, options?: ResilientExchangeOptions): ResilientExchange {
  return new ResilientExchange(exchange, options);
}
