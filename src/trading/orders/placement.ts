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
import type { Exchange, Order, OrderSide, OrderType } from 'ccxt';
import type { Clock } from '../../core/clock.js';
import { ResilienceError, messageOf } from '../../core/errors.js';
import type { RetryBudget } from '../../core/retry-budget.js';
import type { Backoff } from '../../policies/backoff.js';
import { IntentClosedError, OrderStatusUnknownError, classifyOrderFailure, isOrderNotFound, isRecoverable } from '../errors.js';
import type { ExchangeThrottle } from '../throttle.js';
import type { OrderAdmission, OrderRequest } from './admission.js';
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

export interface PlacementContext {
  exchange: Exchange;
  journal: IntentJournal;
  clock: Clock;
  throttle: ExchangeThrottle;
  retryBudget: RetryBudget;
  admission: OrderAdmission[];
  lookupAttempts: number;
  lookupBackoff: Backoff;
  placeAttempts: number;
  clientOrderId: ClientOrderIdOptions;
  /** The exchange's never-placed rule: its window parameter is sent with every order. */
  neverPlaced: NeverPlacedRule | undefined;
  /** One request on the order path (breakers + throttle), no retry. */
  send<T>(fn: () => Promise<T>): Promise<T>;
  /** A read on the order path, retried on recoverable errors. */
  read<T>(fn: () => Promise<T>): Promise<T>;
  onIntent(event: IntentEvent): void;
  /** Every lookup round passed without finding the order: it stays UNKNOWN. */
  onUnresolved(event: { intentId: string; clientOrderId: string; error: unknown }): void;
}

/** Tries at writing the exchange's answer while other writers keep moving the intent; each retry follows a real move, and an intent moves forward only a few times. */
const recordRounds = 3;


/** Params safe to journal (JSON values only). */
function journalParams(params: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export class OrderPlacer {
  private readonly inflight = new Map<string, Promise<Order>>();

  constructor(private readonly ctx: PlacementContext) {}

  /** Whether a placement of this intent is running in this process (its lookups belong to it). */
  isPlacing(intentId: string): boolean {
    return this.inflight.has(intentId);
  }

  /** Places the order of `intentId`, or returns the order already placed for it. One in flight per intent. */
  place(intentId: string, request: OrderRequest): Promise<Order> {
    const running = this.inflight.get(intentId);
    if (running) return running;
    const promise = this.placeOnce(intentId, request).finally(() => this.inflight.delete(intentId));
    this.inflight.set(intentId, promise);
    return promise;
  }

  private async placeOnce(intentId: string, request: OrderRequest): Promise<Order> {
    const { ctx } = this;
    const existing = await ctx.journal.get(intentId);
    if (existing) return this.resume(existing);
    // New exposure: nothing is journalled, nothing is sent, unless every check lets it pass.
    ctx.throttle.assertNotBanned();
    let reduceOnly = false;
    for (const admission of ctx.admission) reduceOnly = admission.admit(request)?.reduceOnly === true || reduceOnly;
    const params: Record<string, unknown> = { ...request.params };
    if (reduceOnly && this.supportsReduceOnly(request.symbol)) params.reduceOnly = true;
    // An explicit window: the exchange refuses the request once it is late, which bounds when an unseen order can still appear.
    const rule = ctx.neverPlaced;
    if (rule && params[rule.windowParam] === undefined) params[rule.windowParam] = rule.recvWindowMs;
    const clientOrderId = clientOrderIdFor(intentId, ctx.clientOrderId);
    const { intent, created } = await ctx.journal.putIfAbsent({
      intentId,
      clientOrderId,
      exchange: ctx.exchange.id,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      amount: request.amount,
      price: request.price ?? null,
      params: journalParams(params),
      state: 'PENDING',
    });
    if (!created) return this.resume(intent);
    this.ctx.onIntent({ intentId, clientOrderId, from: undefined, to: 'PENDING', at: ctx.clock.now() });
    const order = await this.send(intent, params);
    for (const admission of ctx.admission) admission.placed?.(request);
    return order;
  }

  private supportsReduceOnly(symbol: string): boolean {
    const market = (this.ctx.exchange.markets as Record<string, { contract?: boolean } | undefined> | undefined)?.[symbol];
    return market?.contract === true;
  }

  private async send(intent: IntentRecord, params: Record<string, unknown>): Promise<Order> {
    const { ctx } = this;
    for (let attempt = 1; ; attempt++) {
      await this.move(intent, 'SENT');
      let order: Order;
      try {
        order = await ctx.send(() =>
          ctx.exchange.createOrder(intent.symbol, intent.type as OrderType, intent.side as OrderSide, intent.amount, intent.price ?? undefined, {
            ...params,
            clientOrderId: intent.clientOrderId,
          }),
        );
      } catch (error) {
        if (error instanceof ResilienceError) {
          // Our own refusal (breaker open, ban in force): the request never left.
          await this.move(intent, 'FAILED', { error: messageOf(error) });
          throw error;
        }
        switch (classifyOrderFailure(error)) {
          case 'duplicate':
            // The exchange holds an order with this client order id: it is ours.
            return this.lookUp(intent, error);
          case 'rejected':
            await this.move(intent, 'REJECTED', { error: messageOf(error) });
            throw error;
          case 'throttled':
            if (attempt < ctx.placeAttempts && !ctx.throttle.isBanned && ctx.retryBudget.tryRetry()) {
              await ctx.throttle.admit();
              continue;
            }
            await this.move(intent, 'FAILED', { error: messageOf(error) });
            throw error;
          case 'ambiguous':
            await this.move(intent, 'UNKNOWN', { error: messageOf(error) });
            return this.lookUp(intent, error);
        }
      }
      // Outside the try: the order exists now, so a journal error here is not "the request never left".
      await this.record(intent, order);
      return order;
    }
  }

  /** Continues an intent found in the journal: the same intent id returns the same order. */
  private async resume(intent: IntentRecord): Promise<Order> {
    if (intent.state === 'REJECTED' || intent.state === 'FAILED') throw new IntentClosedError(intent.intentId, intent.state, intent.error);
    if (intent.exchangeOrderId !== null) {
      const order = await this.ctx.read(() => this.ctx.exchange.fetchOrder(intent.exchangeOrderId as string, intent.symbol));
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
        const fresh = await this.ctx.journal.get(intent.intentId);
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
    const { ctx } = this;
    const delays = ctx.lookupBackoff.start();
    let lastError: unknown = cause;
    for (let round = 1; round <= ctx.lookupAttempts; round++) {
      if (round > 1) await ctx.clock.sleep(delays.next(lastError));
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
    ctx.onUnresolved({ intentId: intent.intentId, clientOrderId: intent.clientOrderId, error });
    throw error;
  }

  /** One lookup round; undefined when the exchange does not show the order (yet). */
  async findByClientOrderId(intent: IntentRecord): Promise<Order | undefined> {
    const { exchange } = this.ctx;
    const matches = (o: Order): boolean => o.clientOrderId === intent.clientOrderId;
    try {
      // ccxt's documented form: no order id, the client order id in params.
      const order = await this.ctx.send(() => exchange.fetchOrder(undefined as unknown as string, intent.symbol, { clientOrderId: intent.clientOrderId }));
      if (order && matches(order)) return order;
    } catch (error) {
      if (!isOrderNotFound(error)) throw error;
    }
    if (exchange.has.fetchOpenOrders) {
      const open = await this.ctx.send(() => exchange.fetchOpenOrders(intent.symbol));
      const found = open.find(matches);
      if (found) return found;
    }
    if (exchange.has.fetchClosedOrders) {
      const closed = await this.ctx.send(() => exchange.fetchClosedOrders(intent.symbol));
      const found = closed.find(matches);
      if (found) return found;
    }
    return undefined;
  }

  /** Writes what the exchange says of the order into the journal. */
  async record(intent: IntentRecord, order: Order): Promise<void> {
    const to = stateOfOrder(order);
    const movable = (state: IntentState): boolean => !terminalStates.has(state) && canTransition(state, to) && state !== to;
    for (let round = 1; ; round++) {
      const current = (await this.ctx.journal.get(intent.intentId)) ?? intent;
      if (!movable(current.state)) {
        if (current.exchangeOrderId === null && current.state === to && order.id) await this.move(current, to, { exchangeOrderId: order.id });
        return;
      }
      try {
        await this.move(current, to, { exchangeOrderId: order.id ?? null, error: null });
        return;
      } catch (error) {
        // Another writer (the follower, a cancel, another placer on the same journal) moved it between
        // the read and the write: fine when it is no longer ours to move, else read again.
        const now = await this.ctx.journal.get(intent.intentId);
        if (now && !movable(now.state)) return;
        if (round >= recordRounds || now === undefined || now.state === current.state) throw error;
      }
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

  private async move(intent: IntentRecord, to: IntentState, update: { exchangeOrderId?: string | null; error?: string | null } = {}, cause?: NotPlacedCause): Promise<void> {
    const from = intent.state;
    const stored = await this.ctx.journal.updateState(intent.intentId, to, update);
    intent.state = stored.state;
    intent.exchangeOrderId = stored.exchangeOrderId;
    intent.updatedAt = stored.updatedAt;
    if (from !== to) {
      this.ctx.onIntent({ intentId: intent.intentId, clientOrderId: intent.clientOrderId, from, to, at: this.ctx.clock.now(), error: update.error ?? undefined, ...(cause ? { cause } : {}) });
    }
  }
}
