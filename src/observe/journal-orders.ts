/**
 * The orders section read from the intent journal itself: counts by state and the newest intents,
 * so the dashboard and `GET /api/orders` show every intent the journal holds, across restarts.
 * Typed by shape: observe/ imports nothing from trading/.
 */
import type { OrdersView } from './order-outcomes.js';
import type { IntentRecordLike, OrderView } from './views.js';

/** What the view needs of an intent journal (trading's `IntentJournal` fits). */
export interface IntentJournalLike {
  listRecent(limit: number): Promise<Array<IntentRecordLike & { updatedAt: number }>>;
  countByState(): Promise<Partial<Record<string, number>>>;
}

export function journalOrders(journal: IntentJournalLike): OrdersView {
  return {
    async counts() {
      const counts: Record<string, number> = {};
      for (const [state, n] of Object.entries(await journal.countByState())) if (n !== undefined) counts[state] = n;
      return counts;
    },
    async recent(limit) {
      return (await journal.listRecent(limit)).map(
        (r): OrderView => ({ intentId: r.intentId, clientOrderId: r.clientOrderId, symbol: r.symbol, side: r.side, amount: r.amount, price: r.price, state: r.state, error: r.error, at: r.updatedAt }),
      );
    },
  };
}
