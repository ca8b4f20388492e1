import { type Clock, systemClock } from '../../core/clock.js';
import type { RateBudgetStore } from './store.js';
import type { RateBudgetTable, Lane } from './table.js';

/** The options of `exchangeRateBudget`, their defaults, and the shapes its calls and events return. */

export interface ExchangeRateBudgetOptions {
  /** The exchange's budgets and endpoint costs, e.g. `binanceSpotTable`. */
  table: RateBudgetTable;
  /** Where counts and freezes live; the memory store serves one process, `redisRateBudgetStore` a fleet. */
  store?: RateBudgetStore;
  /** Names this budget in the store; processes sharing an IP or an account must use the same group. */
  group?: string;
  /** Time source for waiting (counting time belongs to the store). */
  clock?: Clock;
  /** Share of every budget that only the 'urgent' lane may use; 10% keeps room to cancel when the budget is spent. */
  reservedShare?: number;
  /** Longest a charge waits for room by default; 10 s, beyond which an order or a quote is usually stale. */
  maxWaitMs?: number;
  /** Freeze after a 429 without Retry-After; 60 s outlasts the 1-minute weight window that usually caused it. */
  throttledFreezeMs?: number;
  /** Freeze after a 418 without Retry-After; 2 min is Binance's shortest IP ban. */
  bannedFreezeMs?: number;
}

/** Defaults of the options above; each one's reason is on its field. */
export const EXCHANGE_RATE_BUDGET_DEFAULTS = {
  reservedShare: 0.1,
  maxWaitMs: 10_000,
  throttledFreezeMs: 60_000,
  bannedFreezeMs: 120_000,
  clock: systemClock,
} satisfies Required<Omit<ExchangeRateBudgetOptions, 'table' | 'store' | 'group'>>;

export interface ChargeOptions {
  /** Priority lane; default: the endpoint's lane in the table, else 'data'. */
  lane?: Lane;
  /** Aborting it leaves the queue at once with AbortedError. */
  signal?: AbortSignal;
  /** Give up with RateLimitedError rather than wait longer; 0 never waits. */
  maxWaitMs?: number;
}

export interface ChargeReceipt {
  endpoint: string;
  lane: Lane;
  /** Units charged per budget id. */
  costs: Readonly<Record<string, number>>;
  /** How long the charge waited for room, in ms. */
  waitedMs: number;
}

export interface RateBudgetDecision {
  allowed: boolean;
  /** When not allowed: ms until the blocking budget has room or the freeze lifts. */
  retryAfterMs: number;
  /** When not allowed: the budget id that did not fit, 'freeze', or 'queue' (calls of higher or equal priority wait). */
  blockedBy?: string;
  costs: Readonly<Record<string, number>>;
}

export interface ExchangeRateBudgetEvents {
  charged: { endpoint: string; lane: Lane; costs: Readonly<Record<string, number>>; waitedMs: number };
  /** A charge gave up (did not fit within its maxWaitMs); `reason` is always `'limited'`. */
  rejected: { reason: 'limited'; endpoint: string; lane: Lane; blockedBy: string; retryAfterMs: number };
  /** A 429 or 418 froze the group. */
  frozen: { endpoint: string; status: number; forMs: number };
  /** A count header raised a budget's count. */
  corrected: { endpoint: string; budget: string; observed: number; used: number };
}
