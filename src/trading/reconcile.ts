/**
 * reconcile(): at start-up and after every reconnect, compare the journal with the exchange.
 *
 *  - Unresolved intents (PENDING, SENT, UNKNOWN) are looked up by client order id: found means
 *    adopted into their real state; absent longer than `unknownGraceMs` means FAILED (never
 *    placed); otherwise they stay unresolved.
 *  - Live intents (OPEN, PARTIALLY_FILLED) take the state the exchange shows (filled, cancelled).
 *  - Open orders on the exchange with no intent are adopted into the journal.
 *
 * While it runs, and until it finishes clean, the gate holds the condition 'reconcile'
 * ('reducing'): no new exposure on a book we do not fully know.
 */
import type { Order } from 'ccxt';
import type { ResilientExchange } from './exchange.js';
import type { TradingGate } from './gate.js';
import type { IntentRecord } from './orders/journal.js';
import { liveStates, stateOfOrder, unresolvedStates } from './orders/state.js';
import { withDefaults } from '../core/options.js';

export interface ReconcileOptions {
  /** Symbols whose open orders are checked for orphans, besides those of journalled intents. */
  symbols?: string[];
  /** Gate held at 'reducing' until reconciliation is clean. */
  gate?: TradingGate;
  /** An unresolved intent absent from the exchange for longer than this is FAILED (never placed). */
  unknownGraceMs?: number;
  /** Adopt open orders that no intent knows of into the journal. */
  adoptOrphans?: boolean;
}

export const reconcileDefaults = {
  symbols: [] as string[],
  gate: undefined as TradingGate | undefined,
  // Ten minutes: far beyond any exchange's visibility delay, so absence then means never placed.
  unknownGraceMs: 10 * 60_000,
  // Yes: an order we hold but do not know of is exposure the gate and checks cannot see.
  adoptOrphans: true,
};

export interface ReconcileReport {
  /** Unresolved intents found on the exchange, with their new state. */
  resolved: Array<{ intentId: string; state: string; orderId: string }>;
  /** Unresolved intents absent past the grace period, now FAILED. */
  failed: string[];
  /** Intents still unresolved (absent, within the grace period, or lookup failed). */
  unresolved: string[];
  /** Live intents whose state changed (filled, cancelled meanwhile). */
  updated: Array<{ intentId: string; from: string; to: string }>;
  /** Open orders found on the exchange with no intent, adopted under intent id `adopted:<order id>`. */
  adopted: Array<{ intentId: string; orderId: string; symbol: string }>;
  /** Lookups that failed (exchange errors); their intents stay unresolved. */
  errors: Array<{ scope: string; error: unknown }>;
  /** True when nothing is unresolved and no lookup failed. */
  clean: boolean;
}

export async function reconcile(rex: ResilientExchange, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const o = withDefaults(reconcileDefaults, options);
  if (!(o.unknownGraceMs >= 0)) throw new RangeError(`reconcile: unknownGraceMs must be >= 0, got ${o.unknownGraceMs}`);
  const journal = rex.journal;
  const report: ReconcileReport = { resolved: [], failed: [], unresolved: [], updated: [], adopted: [], errors: [], clean: false };
  o.gate?.raise('reconcile', 'reducing', 'reconciling the order journal with the exchange');

  const now = (): number => rex.clock.now();
  const unresolved = await journal.listByState(unresolvedStates, { exchange: rex.id });
  const live = await journal.listByState(liveStates, { exchange: rex.id });
  const symbols = new Set([...o.symbols, ...unresolved.map((i) => i.symbol), ...live.map((i) => i.symbol)]);

  const openBySymbol = new Map<string, Order[]>();
  for (const symbol of symbols) {
    try {
      openBySymbol.set(symbol, await rex.fetchOpenOrders(symbol));
    } catch (error) {
      report.errors.push({ scope: `open orders ${symbol}`, error });
    }
  }

  for (const intent of unresolved) {
    try {
      const order = await rex.lookUpIntent(intent.intentId);
      if (order) {
        report.resolved.push({ intentId: intent.intentId, state: stateOfOrder(order), orderId: String(order.id) });
      } else if (now() - intent.createdAt > o.unknownGraceMs) {
        await moveToFailed(rex, intent);
        report.failed.push(intent.intentId);
      } else {
        report.unresolved.push(intent.intentId);
      }
    } catch (error) {
      report.errors.push({ scope: `intent ${intent.intentId}`, error });
      report.unresolved.push(intent.intentId);
    }
  }

  for (const intent of live) {
    const open = openBySymbol.get(intent.symbol)?.find((x) => x.clientOrderId === intent.clientOrderId);
    try {
      const order = open ?? (intent.exchangeOrderId ? await rex.fetchOrder(intent.exchangeOrderId, intent.symbol) : await rex.lookUpIntent(intent.intentId));
      if (!order) continue;
      await rex.noteOrder(order);
      const to = stateOfOrder(order);
      if (to !== intent.state) report.updated.push({ intentId: intent.intentId, from: intent.state, to });
    } catch (error) {
      report.errors.push({ scope: `intent ${intent.intentId}`, error });
    }
  }

  if (o.adoptOrphans) {
    for (const [symbol, orders] of openBySymbol) {
      for (const order of orders) {
        const known = order.clientOrderId ? await journal.getByClientOrderId(order.clientOrderId) : undefined;
        if (known) continue;
        const intentId = `adopted:${order.id}`;
        try {
          await journal.putIfAbsent({
            intentId,
            clientOrderId: order.clientOrderId || intentId,
            exchange: rex.id,
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
          report.errors.push({ scope: `adopt order ${order.id}`, error });
        }
      }
    }
  }

  report.clean = report.unresolved.length === 0 && report.errors.length === 0;
  if (report.clean) o.gate?.clear('reconcile', 'reconciliation clean');
  else {
    const why = report.errors.length > 0 ? `reconciliation failed: ${report.errors.length} lookups failed` : `${report.unresolved.length} order intents unresolved`;
    o.gate?.raise('reconcile', 'reducing', why);
  }
  return report;
}

async function moveToFailed(rex: ResilientExchange, intent: IntentRecord): Promise<void> {
  const journal = rex.journal;
  if (intent.state === 'PENDING' || intent.state === 'SENT') await journal.updateState(intent.intentId, 'UNKNOWN', { error: 'unresolved at reconciliation' });
  await journal.updateState(intent.intentId, 'FAILED', { error: 'not found on the exchange after the grace period: never placed' });
}
