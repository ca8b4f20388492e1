/**
 * Order outcomes for metrics and the dashboard: listens to a resilient exchange's intent events
 * (structurally typed, so observe/ imports nothing from trading/), counts
 * `bulwark_orders_total{outcome}` (placed, rejected, unknown, reconciled, never_placed), and keeps the latest
 * intents with their journal record for the orders section.
 */
import type { Unsubscribe } from '../core/events.js';
import { checkInteger } from '../core/option-checks.js';
import { type Metrics, orderOutcomes } from './metrics.js';
import type { IntentRecordLike, OrderView } from './views.js';
export type { IntentRecordLike, OrderView } from './views.js';

/** The intent event a resilient exchange emits. */
export interface IntentEventLike {
  intentId: string;
  clientOrderId: string;
  from: string | undefined;
  to: string;
  at: number;
  error?: unknown;
  /** Set when an unresolved intent ended FAILED because no lookup found it ('never-placed', 'grace-expired'). */
  cause?: string;
}


export interface IntentSourceLike {
  readonly id: string;
  on(name: 'intent', listener: (event: IntentEventLike) => void): Unsubscribe;
  readonly journal: { get(intentId: string): Promise<IntentRecordLike | undefined> };
}


/** The orders and journal section: the latest intents and how many of them are in each state (read from the journal by `journalOrders`). */
export interface OrdersView {
  counts(): Record<string, number> | Promise<Record<string, number>>;
  recent(limit: number): OrderView[] | Promise<OrderView[]>;
}

export interface OrderOutcomesOptions {
  /** Latest intents kept for the dashboard; 200 fills a screen many times over. */
  keep?: number;
}

export const ORDER_OUTCOMES_DEFAULTS = { keep: 200 };

const PLACED = new Set(['OPEN', 'PARTIALLY_FILLED', 'FILLED']);
const REJECTED = new Set(['REJECTED', 'FAILED']);

/** Every value of `bulwark_orders_total`'s outcome label. */
export const orderOutcomeNames = ['placed', 'rejected', 'unknown', 'reconciled', 'never_placed'] as const;

export type OrderOutcome = (typeof orderOutcomeNames)[number];

/**
 * The metric outcome of an intent transition, if it is one. `never_placed`: an unresolved intent
 * that no lookup found ended FAILED (the exchange's never-placed rule, or reconcile's grace period);
 * counted apart from `rejected`, which is the exchange (or our own refusal) saying no.
 */
export function outcomeOf(from: string | undefined, to: string, cause?: string): OrderOutcome | undefined {
  if (to === 'UNKNOWN') return 'unknown';
  if (to === 'FAILED' && cause !== undefined) return 'never_placed';
  if (from === 'UNKNOWN') return 'reconciled';
  if (from === 'SENT' && PLACED.has(to)) return 'placed';
  if (REJECTED.has(to)) return 'rejected';
  return undefined;
}

export class OrderOutcomes implements OrdersView {
  private readonly latest = new Map<string, OrderView>();
  private readonly keep: number;
  readonly close: Unsubscribe;

  constructor(metrics: Metrics, source: IntentSourceLike, options: OrderOutcomesOptions = {}) {
    this.keep = options.keep ?? ORDER_OUTCOMES_DEFAULTS.keep;
    checkInteger('observeOrders', 'keep', this.keep, 1);
    const exchange = metrics.label('exchange', source.id);
    // Every outcome starts at 0, so rate() and alerts see the first unknown order.
    for (const outcome of orderOutcomes) metrics.orders.inc({ exchange, outcome }, 0);
    this.close = source.on('intent', (event) => {
      const outcome = outcomeOf(event.from, event.to, event.cause);
      if (outcome) metrics.orders.inc({ exchange, outcome });
      const known = this.latest.get(event.intentId);
      const error = event.error === undefined ? (known?.error ?? null) : event.error instanceof Error ? event.error.message : String(event.error);
      this.put({ ...(known ?? blank(event)), state: event.to, error, at: event.at });
      if (!known) {
        source.journal.get(event.intentId).then(
          (record) => {
            const current = this.latest.get(event.intentId);
            if (record && current) this.put({ ...current, symbol: record.symbol, side: record.side, amount: record.amount, price: record.price }, false);
          },
          () => undefined,
        );
      }
    });
  }

  private put(view: OrderView, touch = true): void {
    if (touch) this.latest.delete(view.intentId);
    this.latest.set(view.intentId, view);
    while (this.latest.size > this.keep) this.latest.delete(this.latest.keys().next().value as string);
  }

  /** How many of the latest intents are in each state now. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const view of this.latest.values()) counts[view.state] = (counts[view.state] ?? 0) + 1;
    return counts;
  }

  /** Latest first. */
  recent(limit: number): OrderView[] {
    return [...this.latest.values()].reverse().slice(0, limit);
  }
}

function blank(event: IntentEventLike): OrderView {
  return { intentId: event.intentId, clientOrderId: event.clientOrderId, symbol: '', side: '', amount: 0, price: null, state: event.to, error: null, at: event.at };
}

export function observeOrders(metrics: Metrics, source: IntentSourceLike, options?: OrderOutcomesOptions): OrderOutcomes {
  return new OrderOutcomes(metrics, source, options);
}
