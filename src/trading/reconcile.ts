/**
 * reconcile(): at start-up and after every reconnect, compare the journal with the exchange. It is
 * one pass of the order follower (order-follower.ts), with the gate held: while it runs, and until
 * a pass ends clean, the gate holds the condition 'reconcile' ('reducing'): no new exposure on a
 * book we do not fully know. `followOrders()` runs the same pass in the background.
 */
import type { ResilientExchange } from './exchange.js';
import { type FollowReport, OrderFollower, type OrderFollowerOptions, orderFollowerDefaults } from './order-follower.js';

export type ReconcileOptions = Omit<OrderFollowerOptions, 'intervalMs'>;

export type ReconcileReport = FollowReport;

const { intervalMs: _passesOnlyOnce, ...passDefaults } = orderFollowerDefaults;

export const reconcileDefaults = {
  ...passDefaults,
  // One reconcile looks at every intent: no cap on fetches.
  maxFetchesPerPass: Number.MAX_SAFE_INTEGER,
};

export async function reconcile(rex: ResilientExchange, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  if (options.unknownGraceMs !== undefined && !(options.unknownGraceMs >= 0)) throw new RangeError(`reconcile: unknownGraceMs must be >= 0, got ${options.unknownGraceMs}`);
  return new OrderFollower(rex, { maxFetchesPerPass: reconcileDefaults.maxFetchesPerPass, ...options }).pass({ holdGate: true });
}
