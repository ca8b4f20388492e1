/**
 * Placing an order so that one intent never becomes two orders.
 *
 * The intent is journalled PENDING before the request leaves, with a client order id derived
 * from the intent id. What happens next depends on what the failure means (errors.ts):
 *   - duplicate client order id: the order exists; look it up.
 *   - throttled (429): not executed; wait out Retry-After and send again (same client order id).
 *   - rejected: REJECTED; ccxt's error is rethrown as it was.
 *   - ambiguous (timeout, network error, 5xx, -1007): UNKNOWN, resolved ONLY by looking the order
 *     up by client order id, with backoff. It is never sent again.
 */
import type { Order, OrderSide, OrderType } from 'ccxt';
import type { Clock } from '../../core/clock.js';
import { ResilienceError, messageOf } from '../../core/errors.js';
import type { Backoff } from '../../policies/backoff.js';
import { IntentClosedError, OrderStatusUnknownError, classifyOrderFailure, isOrderNotFound, isRecoverable } from '../errors.js';
import type { EventSink, RequestPath } from '../request-path.js';
import type { OrderAdmission, OrderRequest } from './admission.js';
import type { SendFence } from './send-fence.js';
import { clientOrderIdFor, type ClientOrderIdOptions } from './intent-id.js';
import type { IntentJournal, IntentRecord } from './journal.js';
import type { NeverPlacedRule } from './never-placed.js';
import { type IntentState, canTransition, stateOfOrder, terminalStates } from './state.js';

export interface IntentEvent {
  intentId: string;
  clientOrderId: string;
  from: IntentState | undefined;
  to: IntentState;
  at: number;
  error?: unknown;
  /** Why an unresolved intent ended FAILED without an answer: the exchange's never-placed rule, or reconcile's grace period. */
  cause?: NotPlacedCause;
}

/** How an order that no lookup showed was concluded never placed. */
export type NotPlacedCause = 'never-placed' | 'grace-expired';

/** What an order placer reports (`resilientExchange` passes its own emitter). */
export interface PlacementEvents {
  /** An intent changed state. Moves after the order left are reported when decided; their journal write follows. */
  intent: IntentEvent;
  /** Every lookup round passed without finding the order: it stays UNKNOWN. */
  unresolved: { intentId: string; clientOrderId: string; error: unknown };
  /** A deferred journal write failed for good: the journal shows an older state until the order follower or reconcile settles it from the exchange. */
  journalWriteFailed: { intentId: string; to: IntentState; error: unknown };
}

/** How orders are placed and looked up (resilientExchange's options of the same names). */
export interface PlacementSettings {
  lookupAttempts: number;
  lookupBackoff: Backoff;
  placeAttempts: number;
  clientOrderId: ClientOrderIdOptions;
  /** The exchange's never-placed rule: its window parameter is sent with every order. */
  neverPlaced: NeverPlacedRule | undefined;
}

export interface OrderPlacerParts {
  journal: IntentJournal;
  clock: Clock;
  /** The exchange and the way to it (ban guard, breakers, read retries, retry budget). */
  requests: RequestPath;
  admission: readonly OrderAdmission[];
  /** Rechecks the admissions right before each request of a placement leaves (send-fence.ts). */
  fence?: SendFence;
  settings: PlacementSettings;
  events: EventSink<PlacementEvents>;
}


/** Params safe to journal (JSON values only): what a JSON round trip keeps. */
function journalParams(params: Record<string, unknown>): Record<string, unknown> {
  // The usual params (recvWindow, reduceOnly, timeInForce...) are JSON values already: a shallow copy is their round trip.
  if (Object.values(params).every(isJsonScalar)) return { ...params };
  try {
    return JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A value a JSON round trip returns unchanged (-0 comes back as 0, so it is not one). */
function isJsonScalar(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}

type Update = { exchangeOrderId?: string | null; error?: string | null };

export class OrderPlacer {
  private readonly inflight = new Map<string, Promise<Order>>();
  /** Deferred journal writes of this process not yet durable, per intent: one promise that settles after all of them. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(private readonly parts: OrderPlacerParts) {}

  /** Whether a placement of this intent is running in this process, or its last journal writes are (its lookups belong to it). */
  isPlacing(intentId: string): boolean {
    return this.inflight.has(intentId) || this.writing.has(intentId);
  }

  /** Places the order of `intentId`, or returns the order already placed for it. One in flight per intent. */
  place(intentId: string, request: OrderRequest): Promise<Order> {
    const running = this.inflight.get(intentId);
    if (running) return running;
    const promise = this.placeOnce(intentId, request).finally(() => this.inflight.delete(intentId));
    this.inflight.set(intentId, promise);
    return promise;
  }

  /** Resolves once every deferred journal write started so far is durable (or reported failed). */
  async flush(): Promise<void> {
    await Promise.all(this.writing.values());
    await this.parts.journal.flush?.();
  }

  private async placeOnce(intentId: string, request: OrderRequest): Promise<Order> {
    const { journal, requests, settings, admission } = this.parts;
    const writes = this.writing.get(intentId);
    if (writes) await writes;
    let created: { intent: IntentRecord; created: boolean };
    let params: Record<string, unknown>;
    try {
      // New exposure: nothing is journalled, nothing is sent, unless every check lets it pass.
      requests.banGuard.assertNotBanned();
      let reduceOnly = false;
      for (const a of admission) reduceOnly = a.admit(request)?.reduceOnly === true || reduceOnly;
      params = { ...request.params };
      if (reduceOnly && this.supportsReduceOnly(request.symbol)) params.reduceOnly = true;
      // An explicit window: the exchange refuses the request once it is late, which bounds when an unseen order can still appear.
      const rule = settings.neverPlaced;
      if (rule && params[rule.windowParam] === undefined) params[rule.windowParam] = rule.recvWindowMs;
      // The one write the order waits for before it leaves; it returns the intent already journalled under this id, if any.
      created = await journal.putIfAbsent({
        intentId,
        clientOrderId: clientOrderIdFor(intentId, settings.clientOrderId),
        exchange: requests.account,
        symbol: request.symbol,
        side: request.side,
        type: request.type,
        amount: request.amount,
        price: request.price ?? null,
        params: journalParams(params),
        state: 'PENDING',
      });
    } catch (error) {
      // An intent already journalled is not new exposure: it resumes whatever the checks say now.
      const existing = await journal.get(intentId).catch(() => undefined);
      if (existing) return this.resume(existing);
      throw error;
    }
    const { intent } = created;
    if (!created.created) return this.resume(intent);
    this.report(intent, undefined, 'PENDING');
    const order = await this.send(intent, params, request);
    for (const a of admission) a.placed?.(request);
    return order;
  }

  private supportsReduceOnly(symbol: string): boolean {
    const market = (this.parts.requests.exchange.markets as Record<string, { contract?: boolean } | undefined> | undefined)?.[symbol];
    return market?.contract === true;
  }

  private async send(intent: IntentRecord, params: Record<string, unknown>, request: OrderRequest): Promise<Order> {
    const { requests, settings, fence } = this.parts;
    const { exchange, banGuard } = requests;
    for (let attempt = 1; ; attempt++) {
      // Off the critical path: the request leaves now; PENDING and SENT mean the same to recovery.
      this.moveLater(intent, 'SENT');
      let order: Order;
      try {
        const create = (): Promise<Order> =>
          exchange.createOrder(intent.symbol, intent.type as OrderType, intent.side as OrderSide, intent.amount, intent.price ?? undefined, {
            ...params,
            clientOrderId: intent.clientOrderId,
          });
        // The gate is asked again right before the request leaves, after every wait on the way.
        order = await requests.once('orders', () => (fence ? fence.run(request, create) : create()));
      } catch (error) {
        if (error instanceof ResilienceError) {
          // Our own refusal (breaker open, ban in force): the request never left.
          this.moveLater(intent, 'FAILED', { error: messageOf(error) });
          throw error;
        }
        switch (classifyOrderFailure(error)) {
          case 'duplicate':
            // The exchange holds an order with this client order id: it is ours.
            return this.lookUp(intent, error);
          case 'rejected':
            this.moveLater(intent, 'REJECTED', { error: messageOf(error) });
            throw error;
          case 'throttled':
            if (attempt < settings.placeAttempts && !banGuard.isBanned && requests.retryBudget.tryRetry()) {
              await banGuard.admit();
              continue;
            }
            this.moveLater(intent, 'FAILED', { error: messageOf(error) });
            throw error;
          case 'ambiguous':
            // Durable before the lookups: its time starts the never-placed clock.
            await this.move(intent, 'UNKNOWN', { error: messageOf(error) });
            return this.lookUp(intent, error);
        }
      }
      // The order exists: its state is written after the caller has it.
      this.moveLater(intent, stateOfOrder(order), { exchangeOrderId: order.id ?? null, error: null });
      return order;
    }
  }

  /** Continues an intent found in the journal: the same intent id returns the same order. */
  private async resume(intent: IntentRecord): Promise<Order> {
    const { journal, requests } = this.parts;
    if (intent.state === 'REJECTED' || intent.state === 'FAILED') throw new IntentClosedError(intent.intentId, intent.state, intent.error);
    if (intent.exchangeOrderId !== null) {
      const order = await requests.read('orders', 'fetchOrder', () => requests.exchange.fetchOrder(intent.exchangeOrderId as string, intent.symbol));
      await this.record(intent, order);
      return order;
    }
    // PENDING or SENT in the journal with no answer: a previous run may have sent it.
    if (intent.state !== 'UNKNOWN') {
      const seen = intent.state;
      try {
        await this.move(intent, 'UNKNOWN', { error: 'found unresolved in the journal' });
      } catch (error) {
        // Another placer on the same journal (a fleet) moved it meanwhile: continue from what it wrote.
        const fresh = await journal.get(intent.intentId);
        if (!fresh || fresh.state === seen) throw error;
        return this.resume(fresh);
      }
    }
    return this.lookUp(intent, new Error(`intent ${intent.intentId} was ${intent.state} with no answer recorded`));
  }

  /**
   * Resolves an intent by its client order id: fetchOrder with the client order id, then the open
   * orders, then the closed ones; rounds are retried with backoff. Never sends the order again.
   */
  async lookUp(intent: IntentRecord, cause: unknown): Promise<Order> {
    const { clock, settings, events } = this.parts;
    const delays = settings.lookupBackoff.start();
    let lastError: unknown = cause;
    for (let round = 1; round <= settings.lookupAttempts; round++) {
      if (round > 1) await clock.sleep(delays.next(lastError));
      try {
        const order = await this.findByClientOrderId(intent);
        if (order) {
          await this.record(intent, order);
          return order;
        }
      } catch (error) {
        if (!isRecoverable(error) && !(error instanceof ResilienceError)) throw error;
        lastError = error;
      }
    }
    const error = new OrderStatusUnknownError(intent.intentId, intent.clientOrderId, lastError);
    events.emit('unresolved', { intentId: intent.intentId, clientOrderId: intent.clientOrderId, error });
    throw error;
  }

  /** One lookup round; undefined when the exchange does not show the order (yet). */
  async findByClientOrderId(intent: IntentRecord): Promise<Order | undefined> {
    const { requests } = this.parts;
    const { exchange } = requests;
    const matches = (o: Order): boolean => o.clientOrderId === intent.clientOrderId;
    try {
      // ccxt's documented form: no order id, the client order id in params.
      const order = await requests.once('orders', () => exchange.fetchOrder(undefined as unknown as string, intent.symbol, { clientOrderId: intent.clientOrderId }));
      if (order && matches(order)) return order;
    } catch (error) {
      if (!isOrderNotFound(error)) throw error;
    }
    if (exchange.has.fetchOpenOrders) {
      const open = await requests.once('orders', () => exchange.fetchOpenOrders(intent.symbol));
      const found = open.find(matches);
      if (found) return found;
    }
    if (exchange.has.fetchClosedOrders) {
      const closed = await requests.once('orders', () => exchange.fetchClosedOrders(intent.symbol));
      const found = closed.find(matches);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Writes what the exchange says of the order into the journal (one statement). Nothing is written
   * when `intent` already shows it; a move the intent's state no longer allows (another writer
   * moved it on: the follower, a cancel, another placer) is left alone.
   */
  async record(intent: IntentRecord, order: Order): Promise<void> {
    const to = stateOfOrder(order);
    if (terminalStates.has(intent.state)) return;
    if (intent.state === to && (intent.exchangeOrderId !== null || !order.id)) return;
    try {
      await this.move(intent, to, { exchangeOrderId: order.id ?? null, error: null });
    } catch (error) {
      if (!(await this.movedOn(intent.intentId, to))) throw error;
    }
  }

  /** Moves an unresolved intent no placement here is running for to UNKNOWN (its lookups start the never-placed clock). */
  async markUnknown(intent: IntentRecord, error: string): Promise<void> {
    if (intent.state === 'PENDING' || intent.state === 'SENT') await this.move(intent, 'UNKNOWN', { error });
  }

  /** Ends an unresolved intent FAILED: the exchange never placed it; `cause` says how that is known. */
  async concludeNotPlaced(intent: IntentRecord, error: string, cause: NotPlacedCause): Promise<void> {
    await this.markUnknown(intent, 'unresolved at reconciliation');
    await this.move(intent, 'FAILED', { error }, cause);
  }

  /** A move the caller waits for: one journal write, reported once it is durable. */
  private async move(intent: IntentRecord, to: IntentState, update: Update = {}, cause?: NotPlacedCause): Promise<void> {
    const from = intent.state;
    const stored = await this.parts.journal.updateState(intent.intentId, to, update);
    intent.state = stored.state;
    intent.exchangeOrderId = stored.exchangeOrderId;
    intent.updatedAt = stored.updatedAt;
    if (from !== to) this.report(intent, from, to, update.error ?? undefined, cause);
  }

  /** A move nobody waits for: reported now, written behind (with the next commit); a failure is reported as `journalWriteFailed`. */
  private moveLater(intent: IntentRecord, to: IntentState, update: Update = {}): void {
    const from = intent.state;
    if (from === to && update.exchangeOrderId === undefined) return;
    intent.state = to;
    if (update.exchangeOrderId !== undefined) intent.exchangeOrderId = update.exchangeOrderId;
    if (from !== to) this.report(intent, from, to, update.error ?? undefined);
    const { intentId } = intent;
    const write = this.parts.journal.updateState(intentId, to, update.error === undefined && update.exchangeOrderId === undefined ? DEFER : { ...update, defer: true }).then(noop, async (error: unknown) => {
      if (await this.movedOn(intentId, to)) return;
      this.parts.events.emit('journalWriteFailed', { intentId, to, error });
    });
    // The journal may settle one intent's writes out of order: the intent's promise waits for every one.
    const before = this.writing.get(intentId);
    const all = before ? Promise.all([before, write]).then(noop) : write;
    this.writing.set(intentId, all);
    void all.then(() => {
      if (this.writing.get(intentId) === all) this.writing.delete(intentId);
    });
  }

  /** Whether the intent is in a state from which `to` is not allowed: another writer moved it on. */
  private async movedOn(intentId: string, to: IntentState): Promise<boolean> {
    const current = await this.parts.journal.get(intentId).catch(() => undefined);
    return current !== undefined && !canTransition(current.state, to);
  }

  private report(intent: IntentRecord, from: IntentState | undefined, to: IntentState, error?: unknown, cause?: NotPlacedCause): void {
    const { events } = this.parts;
    if (events.has?.('intent') === false) return;
    events.emit('intent', { intentId: intent.intentId, clientOrderId: intent.clientOrderId, from, to, at: this.parts.clock.now(), ...(error !== undefined ? { error } : {}), ...(cause ? { cause } : {}) });
  }
}

const DEFER = Object.freeze({ defer: true as const });

function noop(): void {}
