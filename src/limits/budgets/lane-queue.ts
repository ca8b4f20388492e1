import { checkOneOf } from '../../core/option-checks.js';
import { LANES, type Lane } from './table.js';
import type { ChargeLine } from './store.js';

/**
 * Calls waiting for budget, in lane order (urgent, orders, data) and FIFO within a lane. A
 * waiter holds back later waiters (and newcomers of its own or a lower lane) only on the
 * budgets it is blocked on: a new order waiting for the 10-second order count does not stop a
 * market-data poll that needs request weight, while a poll never overtakes an order or a
 * cancel that waits for the weight it wants too.
 */
export interface BudgetWaiter {
  readonly endpoint: string;
  readonly lane: Lane;
  /** The lane's position in LANES: lower goes first. */
  readonly rank: number;
  readonly seq: number;
  readonly lines: readonly ChargeLine[];
  /** Budgets it waits for: all of its budgets until a try names the one that did not fit ('freeze' blocks all). */
  blockedOn: ReadonlySet<string>;
  /** Clock time before which trying again is pointless (the store said when room frees up). */
  retryAt: number;
  /** Clock time after which the waiter gives up. */
  readonly deadline: number;
  settle(result: { ok: true } | { ok: false; error: unknown }): void;
}

/** The pseudo-budget a frozen group blocks on: every budget. */
export const FREEZE = 'freeze';

export function laneRank(lane: Lane): number {
  const rank = LANES.indexOf(lane);
  if (rank < 0) checkOneOf('exchangeRateBudget', 'lane', lane, LANES);
  return rank;
}

export class LaneQueue {
  private readonly waiters: BudgetWaiter[] = [];

  get size(): number {
    return this.waiters.length;
  }

  /** Waiters in service order. The array is a snapshot: removing while iterating is safe. */
  ordered(): readonly BudgetWaiter[] {
    return [...this.waiters];
  }

  add(waiter: BudgetWaiter): void {
    let at = this.waiters.length;
    while (at > 0) {
      const before = this.waiters[at - 1] as BudgetWaiter;
      if (before.rank < waiter.rank || (before.rank === waiter.rank && before.seq < waiter.seq)) break;
      at--;
    }
    this.waiters.splice(at, 0, waiter);
  }

  remove(waiter: BudgetWaiter): boolean {
    const at = this.waiters.indexOf(waiter);
    if (at < 0) return false;
    this.waiters.splice(at, 1);
    return true;
  }

  has(waiter: BudgetWaiter): boolean {
    return this.waiters.includes(waiter);
  }

  /** True when a waiter of the same or a higher lane is blocked on one of these budgets: the newcomer must queue behind it. */
  contends(rank: number, lines: readonly ChargeLine[]): boolean {
    for (const waiter of this.waiters) {
      if (waiter.rank > rank) break;
      if (blocks(waiter.blockedOn, lines)) return true;
    }
    return false;
  }
}

/** Whether a set of blocked budgets covers any of `lines` ('freeze' covers everything). */
export function blocks(blocked: ReadonlySet<string>, lines: readonly ChargeLine[]): boolean {
  if (blocked.has(FREEZE)) return true;
  return lines.some((l) => blocked.has(l.budget));
}
