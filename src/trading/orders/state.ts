/**
 * The order intent state machine. An intent is written PENDING before its request leaves, SENT
 * while the request is in flight, and ends in what the exchange says of the order — or UNKNOWN
 * when the answer was lost, until a lookup by client order id settles it. SENT and the outcome
 * are written behind the request, so the journal may go from PENDING straight to an outcome
 * (a crash before those writes landed, settled by reconcile from the exchange).
 *
 * The state names are the storage layer's (`orderIntentStates`); this file adds the moves between them.
 */
import { type OrderIntentState, orderIntentStates, terminalOrderIntentStates } from '../../storage/repos/order-intents.js';

/** The state names, in the storage layer's order (one list, owned by the `order_intents` table). */
export const intentStates = orderIntentStates;

export type IntentState = OrderIntentState;

/** States after which an intent never changes again. */
export const terminalStates: ReadonlySet<IntentState> = new Set(terminalOrderIntentStates);

/** States in which the exchange may hold an order nobody has confirmed yet. */
export const unresolvedStates: readonly IntentState[] = ['PENDING', 'SENT', 'UNKNOWN'];

/** States in which the exchange holds a live order. */
export const liveStates: readonly IntentState[] = ['OPEN', 'PARTIALLY_FILLED'];

const outcomes: IntentState[] = ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED'];

const transitions: Record<IntentState, readonly IntentState[]> = {
  // SENT is written behind the request (off the order's critical path), so a PENDING intent may
  // already have an answer: whatever SENT may move to, PENDING may too.
  PENDING: ['SENT', ...outcomes, 'REJECTED', 'UNKNOWN', 'FAILED'],
  SENT: [...outcomes, 'REJECTED', 'UNKNOWN', 'FAILED'],
  // Only a lookup (or reconciliation) leaves UNKNOWN: found means an outcome, long absent means FAILED.
  UNKNOWN: [...outcomes, 'FAILED'],
  OPEN: ['PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED'],
  PARTIALLY_FILLED: ['FILLED', 'CANCELED', 'EXPIRED'],
  FILLED: [],
  CANCELED: [],
  REJECTED: [],
  EXPIRED: [],
  FAILED: [],
};

export function canTransition(from: IntentState, to: IntentState): boolean {
  return from === to || transitions[from].includes(to);
}

/** Throws a RangeError naming both states when the move is not allowed. */
export function assertTransition(intentId: string, from: IntentState, to: IntentState): void {
  if (!canTransition(from, to)) {
    throw new RangeError(`order intent "${intentId}": cannot move from ${from} to ${to} (allowed: ${transitions[from].join(', ') || 'none, it is final'})`);
  }
}

/** The intent state for a ccxt unified order: status 'open' | 'closed' | 'canceled' | 'expired' | 'rejected'. */
export function stateOfOrder(order: { status?: string | undefined; filled?: number | undefined }): IntentState {
  switch (order.status) {
    case 'closed':
      return 'FILLED';
    case 'canceled':
      return 'CANCELED';
    case 'expired':
      return 'EXPIRED';
    case 'rejected':
      return 'REJECTED';
    default:
      return (order.filled ?? 0) > 0 ? 'PARTIALLY_FILLED' : 'OPEN';
  }
}
