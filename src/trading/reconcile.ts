/**
 * reconcile(): at start-up and after every reconnect, compare the journal with the exchange. It is
 * one pass of the order follower (order-follower.ts), with the gate held: while it runs, and until
 * a pass ends clean, the gate holds the condition 'reconcile' ('reducing'): no new exposure on a
 * book we do not fully know. `followOrders()` runs the same pass in the background.
 */
import { checkNumber } from '../core/option-checks.js';
import type { ResilientExchange } from './exchange.js';
import { type FollowReport, OrderFollower, type OrderFollowerOptions, ORDER_FOLLOWER_DEFAULTS } from './order-follower.js';

export type ReconcileOptions = Omit<OrderFollowerOptions, 'intervalMs'>;

export type ReconcileReport = FollowReport;

const { intervalMs: _passesOnlyOnce, ...passDefaults } = ORDER_FOLLOWER_DEFAULTS;

export const RECONCILE_DEFAULTS = {
  ...passDefaults,
  // One reconcile looks at every intent: no cap on fetches.
  maxFetchesPerPass: Number.MAX_SAFE_INTEGER,
};

export async function reconcile(rex: ResilientExchange, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  if (options.unknownGraceMs !== undefined) checkNumber('reconcile', 'unknownGraceMs', options.unknownGraceMs, 0, Infinity, false, true);
  return new OrderFollower(rex, { maxFetchesPerPass: RECONCILE_DEFAULTS.maxFetchesPerPass, ...options }).pass({ holdGate: true });
}
