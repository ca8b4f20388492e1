/**
 * What a rate-limiting algorithm is, independently of where its state lives. Each algorithm has
 * a memory form (per-key state in typed-array slots, decided synchronously) and a Lua form
 * (the same arithmetic, run inside Redis with Redis server TIME as the clock). A store picks one.
 */

import type { Decision } from '../core/limiter.js';
import { checkInteger, checkNumber } from '../core/option-checks.js';

/** The answer to a reservation of a batch of units (leased mode). */
export interface Grant {
  /** Units charged, between `min` and `want`; 0 when denied. */
  granted: number;
  /** Capacity left after the reservation, in cost units (floored). */
  remaining: number;
  /** When denied: milliseconds until `min` units would fit. 0 when granted. */
  retryAfterMs: number;
  /** How long, from the moment the reservation was asked for, the granted units may be spent. */
  validForMs: number;
  /** The time the charge was recorded under, needed to give unspent units back. */
  stamp: number;
}

/** The memory form of an algorithm: synchronous, per-key state kept by the algorithm itself. */
export interface MemoryState {
  /** Charges `cost` to `key` at `now` if it fits. */
  consume(key: string, cost: number, now: number): Decision;
  /**
   * Charges between `min` and `want` units (as many as fit) for spending during `leaseMs`.
   * Denies when fewer than `min` fit.
   */
  reserve(key: string, want: number, min: number, leaseMs: number, now: number): Grant;
  /** Gives back `units` charged by a reserve at `stamp` and not spent. */
  release(key: string, units: number, stamp: number, now: number): void;
  /** Number of keys holding state. */
  readonly size: number;
}

/** An algorithm with its parameters fixed: the unit a store binds to. */
export interface Algorithm {
  /** Short stable name, part of Redis key names (e.g. `tb`, `gcra`, `swl`). */
  readonly name: string;
  /** The largest cost a single call may ever be charged (capacity, burst or limit). */
  readonly maxCost: number;
  /** Sustained admission rate in cost units per millisecond (used by 'pace' spacing). */
  readonly ratePerMs: number;
  /** Creates the in-memory state. */
  createMemoryState(): MemoryState;
  /** Lua source; see `stores/lua.ts` for the calling convention shared by every script. */
  readonly lua: string;
  /**
   * Optional Lua for a lone consume (one call alone in its script run, the sequential case): runs
   * before the batch machinery is set up and returns `{ allowed, remaining, retry µs }` itself.
   * See `stores/lua.ts`.
   */
  readonly luaConsume?: string;
  /** Numeric parameters passed to the script after the operation arguments. */
  readonly luaParams: readonly number[];
}

/** Throws a RangeError naming `component: option` unless `value` is a finite number > 0 (core/option-checks.ts wording). */
export function positive(component: string, option: string, value: number): number {
  checkNumber(component, option, value, 0, Infinity, true);
  return value;
}

/** Throws a RangeError naming `component: option` unless `value` is an integer >= 1 (core/option-checks.ts wording). */
export function positiveInteger(component: string, option: string, value: number): number {
  checkInteger(component, option, value, 1);
  return value;
}

/** A denied reservation. */
export function denied(remaining: number, retryAfterMs: number): Grant {
  return { granted: 0, remaining, retryAfterMs, validForMs: 0, stamp: 0 };
}
