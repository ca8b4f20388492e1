/**
 * The order intent journal: what the trading layer writes BEFORE an order request leaves, so a
 * crash or a lost reply never leaves it wondering whether an order exists. The interface matches
 * the storage layer's order intent repository, which is the durable implementation
 * (`storageJournal`); `memoryJournal` is the library's default.
 */
import type { IntentState } from './state.js';

export interface IntentRecord {
  intentId: string;
  clientOrderId: string;
  /** The exchange's id (ccxt `exchange.id`), so one journal can serve several venues. */
  exchange: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  amount: number;
  price: number | null;
  /** The createOrder params as sent (JSON-safe). */
  params: Record<string, unknown>;
  state: IntentState;
  exchangeOrderId: string | null;
  /** Why the order failed or is unknown. */
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewIntent {
  intentId: string;
  clientOrderId: string;
  exchange: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  amount: number;
  price?: number | null;
  params?: Record<string, unknown>;
  state?: IntentState;
  exchangeOrderId?: string | null;
  error?: string | null;
}

export interface IntentUpdate {
  /** Only move the intent when it is in one of these states now (compare-and-set). */
  from?: IntentState | readonly IntentState[];
  /** The exchange's id for the order, once known. Left unchanged when omitted. */
  exchangeOrderId?: string | null;
  /** Why the order failed or is unknown. Left unchanged when omitted. */
  error?: string | null;
}

export interface IntentJournal {
  /** Writes a new intent, or returns the one already stored under that intent id. */
  putIfAbsent(intent: NewIntent): Promise<{ intent: IntentRecord; created: boolean }>;
  get(intentId: string): Promise<IntentRecord | undefined>;
  getByClientOrderId(clientOrderId: string): Promise<IntentRecord | undefined>;
  /** Moves an intent to `state`; throws when it does not exist or `from` does not hold. */
  updateState(intentId: string, state: IntentState, update?: IntentUpdate): Promise<IntentRecord>;
  /** Intents in any of `states`, oldest first. */
  listByState(states: IntentState | readonly IntentState[], options?: { limit?: number; exchange?: string }): Promise<IntentRecord[]>;
}
