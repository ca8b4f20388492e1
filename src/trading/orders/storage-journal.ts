/**
 * The durable intent journal: the storage layer's order intent repository (SQLite or PostgreSQL)
 * as an `IntentJournal`. State moves are checked against the trading state machine before they
 * are written.
 */
import type { OrderIntentRepo } from '../../storage/repos/order-intents.js';
import type { IntentJournal } from './journal.js';
import { assertTransition } from './state.js';

export function storageJournal(repo: OrderIntentRepo): IntentJournal {
  return {
    putIfAbsent: (intent) => repo.putIfAbsent(intent),
    get: (intentId) => repo.get(intentId),
    getByClientOrderId: (clientOrderId) => repo.getByClientOrderId(clientOrderId),
    async updateState(intentId, state, update = {}) {
      const current = await repo.get(intentId);
      if (!current) return repo.updateState(intentId, state, update);
      assertTransition(intentId, current.state, state);
      // Compare-and-set on the state just read, so two writers cannot both move it.
      return repo.updateState(intentId, state, { from: current.state, ...update });
    },
    listByState: (states, options) => repo.listByState(states, options),
    listRecent: (limit, options) => repo.listRecent(limit, options),
    countByState: (options) => repo.countByState(options),
  };
}
