/** The in-memory intent journal: the library default. It survives nothing; use `storageJournal` when it must. */
import { type Clock, systemClock } from '../../core/clock.js';
import type { IntentJournal, IntentRecord, IntentUpdate, NewIntent } from './journal.js';
import { type IntentState, assertTransition, intentStates } from './state.js';
import { withDefaults } from '../../core/options.js';
import { checkInteger, checkNumber, checkOneOf } from '../../core/option-checks.js';

export interface MemoryJournalOptions {
  /** Source of createdAt / updatedAt. */
  clock?: Clock;
}

export const MEMORY_JOURNAL_DEFAULTS = {
  // Wall time for the timestamps; inject ManualClock in tests.
  clock: systemClock as Clock,
} satisfies Required<MemoryJournalOptions>;

const known: ReadonlySet<string> = new Set(intentStates);

function checkState(state: string): IntentState {
  if (!known.has(state)) checkOneOf('intent journal', 'state', state, intentStates);
  return state as IntentState;
}

export function memoryJournal(options: MemoryJournalOptions = {}): IntentJournal & { size(): number } {
  const { clock } = withDefaults(MEMORY_JOURNAL_DEFAULTS, options);
  const byIntent = new Map<string, IntentRecord>();
  const byClientId = new Map<string, string>();
  const copy = (r: IntentRecord): IntentRecord => ({ ...r, params: { ...r.params } });

  return {
    size: () => byIntent.size,

    async putIfAbsent(input: NewIntent) {
      const existing = byIntent.get(input.intentId);
      if (existing) return { intent: copy(existing), created: false };
      const owner = byClientId.get(input.clientOrderId);
      if (owner !== undefined) {
        throw new RangeError(`intent journal: client order id "${input.clientOrderId}" belongs to intent "${owner}", not "${input.intentId}"`);
      }
      checkNumber('intent journal', 'amount', input.amount, 0, Infinity, true);
      const now = clock.now();
      const record: IntentRecord = {
        intentId: input.intentId,
        clientOrderId: input.clientOrderId,
        exchange: input.exchange,
        symbol: input.symbol,
        side: input.side,
        type: input.type,
        amount: input.amount,
        price: input.price ?? null,
        params: { ...(input.params ?? {}) },
        state: checkState(input.state ?? 'PENDING'),
        exchangeOrderId: input.exchangeOrderId ?? null,
        error: input.error ?? null,
        createdAt: now,
        updatedAt: now,
      };
      byIntent.set(record.intentId, record);
      byClientId.set(record.clientOrderId, record.intentId);
      return { intent: copy(record), created: true };
    },

    async get(intentId) {
      const record = byIntent.get(intentId);
      return record && copy(record);
    },

    async getByClientOrderId(clientOrderId) {
      const intentId = byClientId.get(clientOrderId);
      const record = intentId === undefined ? undefined : byIntent.get(intentId);
      return record && copy(record);
    },

    async updateState(intentId, state, update: IntentUpdate = {}) {
      const record = byIntent.get(intentId);
      if (!record) throw new RangeError(`intent journal: intent "${intentId}" not found`);
      checkState(state);
      if (update.from !== undefined) {
        const from: readonly IntentState[] = typeof update.from === 'string' ? [update.from] : update.from;
        if (!from.includes(record.state)) throw new RangeError(`intent journal: intent "${intentId}" is ${record.state}, not ${from.join(' or ')}`);
      }
      assertTransition(intentId, record.state, state);
      record.state = state;
      record.updatedAt = clock.now();
      if (update.exchangeOrderId !== undefined) record.exchangeOrderId = update.exchangeOrderId;
      if (update.error !== undefined) record.error = update.error;
      return copy(record);
    },

    async listByState(states, list = {}) {
      const wanted: readonly IntentState[] = typeof states === 'string' ? [states] : states;
      wanted.forEach(checkState);
      const rows = [...byIntent.values()]
        .filter((r) => wanted.includes(r.state) && (list.exchange === undefined || r.exchange === list.exchange))
        .sort((a, b) => a.createdAt - b.createdAt);
      return (list.limit === undefined ? rows : rows.slice(0, list.limit)).map(copy);
    },

    async listRecent(limit, list = {}) {
      checkInteger('intent journal', 'limit', limit, 1);
      // Insertion order is creation order.
      const rows = [...byIntent.values()].filter((r) => list.exchange === undefined || r.exchange === list.exchange);
      return rows.slice(-limit).reverse().map(copy);
    },

    // Every write is done when its promise resolves: nothing is held back.
    flush: async () => undefined,

    async countByState(list = {}) {
      const counts: Partial<Record<IntentState, number>> = {};
      for (const r of byIntent.values()) if ((list.exchange === undefined || r.exchange === list.exchange) && (list.intentPrefix === undefined || r.intentId.startsWith(list.intentPrefix))) counts[r.state] = (counts[r.state] ?? 0) + 1;
      return counts;
    },
  };
}
