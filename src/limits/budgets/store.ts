/**
 * Where budget counts and freezes live. The memory store serves one process; the Redis store
 * lets every process that shares an IP or an account share one count and one freeze. A store
 * keeps its own time (the memory store an injected clock, the Redis store the server's TIME),
 * so every duration crossing this interface is relative: no two clocks are ever compared.
 */

/** One budget's part of a charge. */
export interface ChargeLine {
  /** Budget id within the group. */
  budget: string;
  /** Units to charge. */
  cost: number;
  /** The count this charge may not push the budget past (the limit, less any reserved share). */
  ceiling: number;
  /** Window length; windows are aligned to multiples of it since the epoch. */
  windowMs: number;
}

export interface ChargeOutcome {
  /** True when every line fitted and all were charged; false when none was. */
  ok: boolean;
  /** When not ok: ms until the blocking budget's window ends or the freeze lifts. */
  retryAfterMs: number;
  /** When not ok: the budget id that did not fit, or 'freeze'. */
  blockedBy?: string;
  /** When frozen: the HTTP status that froze the group (429 or 418). */
  frozenBy?: number;
  /** Count of each line's budget after the charge (ok) or as found (not ok, when known). */
  used: number[];
}

export interface FreezeState {
  /** ms until the freeze lifts. */
  remainingMs: number;
  /** The HTTP status that caused it: 429 (throttled) or 418 (banned). */
  status: number;
}

export interface RateBudgetStore {
  /** Charges every line, or none: atomic across the lines, and refused while the group is frozen. */
  charge(group: string, lines: readonly ChargeLine[]): Promise<ChargeOutcome>;
  /** Raises a budget's count in the current window to `used` (never lowers it); returns the count. */
  correct(group: string, budget: string, windowMs: number, used: number): Promise<number>;
  /** Freezes the whole group for `forMs` (an existing longer freeze is kept). */
  freeze(group: string, forMs: number, status: number): Promise<void>;
  /** The group's freeze, if one is in force. */
  frozen(group: string): Promise<FreezeState | undefined>;
  /** A budget's count in the current window. */
  used(group: string, budget: string, windowMs: number): Promise<number>;
}
