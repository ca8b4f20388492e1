/**
 * A picker chooses one endpoint among the candidates the routing plan gives it. The plan changes
 * only when an endpoint's state or weight changes, so `reset` carries the cost (building arrays,
 * cumulative weights) and `pick` is a loop over at most the candidates, without allocation.
 */
import type { EndpointRecord } from '../endpoint-record.js';
import type { RoutingPlan } from '../routing-plan.js';

export interface Picker<T> {
  /** Takes a new plan (never with zero candidates). */
  reset(plan: RoutingPlan<T>): void;
  /** One endpoint of the plan; `now` only matters to pickers that age what they measured. */
  pick(now: number): EndpointRecord<T>;
  /**
   * One endpoint of `candidates` (a subset of the plan's, non-empty): the slower path for a call
   * that excludes endpoints it already tried.
   */
  pickAmong(candidates: ReadonlyArray<EndpointRecord<T>>, now: number): EndpointRecord<T>;
}

/** Weighted random choice by effective weight: the shared slow path of the weighted pickers. */
export function weightedRandom<T>(candidates: ReadonlyArray<EndpointRecord<T>>, random: () => number): EndpointRecord<T> {
  let total = 0;
  for (const e of candidates) total += e.effectiveWeight;
  let draw = random() * total;
  for (const e of candidates) {
    draw -= e.effectiveWeight;
    if (draw < 0) return e;
  }
  return candidates[candidates.length - 1]!;
}
