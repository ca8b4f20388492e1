/**
 * The order intent journal: what the trading layer writes BEFORE an order request leaves, so a
 * crash or a lost reply never leaves it wondering whether an order exists. The interface matches
 * the storage layer's order intent repository, which is the durable implementation
 * (`storageJournal`) and owns the record's shape; `memoryJournal` is the library's default.
 */
import type { NewOrderIntent, OrderIntent, UpdateStateOptions } from '../../storage/repos/order-intents.js';
import type { IntentState } from './state.js';

/** One stored intent (the storage layer's `OrderIntent`). */
export type IntentRecord = OrderIntent;

/** What `putIfAbsent` accepts (the storage layer's `NewOrderIntent`). */
export type NewIntent = NewOrderIntent;

/** Options of a state move (the storage layer's `UpdateStateOptions`): `from` is a compare-and-set. */
export type IntentUpdate = UpdateStateOptions & {
  /**
   * Nobody waits for this write to be durable (a transition after the order left): a journal may
   * hold it back to share a commit with later writes. Reads through the journal still see it.
   */
  defer?: boolean;
};

export interface IntentJournal {
  /** Writes a new intent, or returns the one already stored under that intent id. */
  putIfAbsent(intent: NewIntent): Promise<{ intent: IntentRecord; created: boolean }>;
  get(intentId: string): Promise<IntentRecord | undefined>;
  getByClientOrderId(clientOrderId: string): Promise<IntentRecord | undefined>;
  /**
   * Moves an intent to `state` from any state the state machine allows to move there (and, with
   * `from`, only from those); throws when it does not exist, the move is not allowed from its
   * state (RangeError) or `from` does not hold.
   */
  updateState(intentId: string, state: IntentState, update?: IntentUpdate): Promise<IntentRecord>;
  /** Intents in any of `states`, oldest first. */
  listByState(states: IntentState | readonly IntentState[], options?: { limit?: number; exchange?: string }): Promise<IntentRecord[]>;
  /** The newest intents (by creation), newest first: what the dashboard lists. */
  listRecent(limit: number, options?: { exchange?: string }): Promise<IntentRecord[]>;
  /** How many intents are in each state (states with none are left out); `intentPrefix`: only intents whose id starts with it (one bot's). */
  countByState(options?: { exchange?: string; intentPrefix?: string }): Promise<Partial<Record<IntentState, number>>>;
  /** Resolves once every write made so far (deferred ones too) is durable or has failed for good. */
  flush?(): Promise<void>;
}
