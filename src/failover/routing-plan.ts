/**
 * The routing plan: which endpoints take new calls and in what proportions, worked out once per
 * change of an endpoint's state or of the operator's settings (never per call). Pickers read it.
 *
 * - pinned: the pinned endpoint alone, whatever its state;
 * - forced: the forced level's routable endpoints (all its undrained ones when none is routable);
 * - panic: the group's health is below `panicThreshold`, so every undrained endpoint takes calls;
 * - automatic: the routable endpoints; for strategy `priority`, per level with Envoy's loads.
 *
 * The group's health is the share of undrained endpoints that are routable, and for strategy
 * `priority` Envoy's normalized total health (the levels' overprovisioned healths added up), so a
 * fully healthy backup level keeps the group out of panic when the preferred level is down.
 */
import type { EndpointRecord } from './endpoint-record.js';
import { priorityLoads } from './priority-load.js';
import type { FailoverStrategy, RoutingMode } from './types.js';

export interface PlanLevel<T> {
  priority: number;
  endpoints: Array<EndpointRecord<T>>;
  /** Share of the calls the level takes (0-1). */
  load: number;
}

export interface RoutingPlan<T> {
  mode: RoutingMode;
  /** The lowest priority level taking traffic. */
  activePriority: number;
  /** Share of undrained endpoints that are routable (0-1). */
  routableShare: number;
  /** What panic is judged by (see above). */
  health: number;
  /** Every endpoint that takes calls, in group order. */
  all: Array<EndpointRecord<T>>;
  /** Levels taking calls with their loads (one level holding `all` unless the strategy is `priority` in automatic mode). */
  levels: Array<PlanLevel<T>>;
  /** What a call that excluded every endpoint of `all` may still use: every routable (or, in panic, undrained) endpoint. */
  fallback: Array<EndpointRecord<T>>;
}

export interface PlanInput<T> {
  endpoints: ReadonlyArray<EndpointRecord<T>>;
  strategy: FailoverStrategy;
  overprovisioningFactor: number;
  panicThreshold: number;
  pinned: EndpointRecord<T> | undefined;
  forcedPriority: number | undefined;
}

function flat<T>(mode: RoutingMode, all: Array<EndpointRecord<T>>, fallback: Array<EndpointRecord<T>>, routableShare: number, health: number): RoutingPlan<T> {
  const activePriority = all.reduce((p, e) => Math.min(p, e.priority), all.length === 0 ? 0 : Infinity);
  return { mode, activePriority, routableShare, health, all, levels: [{ priority: activePriority, endpoints: all, load: 1 }], fallback };
}

export function planRouting<T>(input: PlanInput<T>): RoutingPlan<T> {
  const { endpoints, strategy } = input;
  const undrained = endpoints.filter((e) => e.state !== 'drained');
  const routable = undrained.filter((e) => e.routable);
  const routableShare = undrained.length === 0 ? 0 : routable.length / undrained.length;

  // Levels in priority order, with their counts, for Envoy's loads.
  const priorities = [...new Set(undrained.map((e) => e.priority))].sort((a, b) => a - b);
  const byLevel = priorities.map((p) => ({ priority: p, undrained: undrained.filter((e) => e.priority === p), routable: routable.filter((e) => e.priority === p) }));
  const { loads, totalHealth } = priorityLoads(
    byLevel.map((l) => ({ routable: l.routable.length, total: l.undrained.length })),
    input.overprovisioningFactor,
  );
  const health = strategy === 'priority' ? totalHealth : routableShare;

  if (input.pinned !== undefined) return flat('pinned', [input.pinned], [input.pinned], routableShare, health);
  if (input.forcedPriority !== undefined) {
    const level = byLevel.find((l) => l.priority === input.forcedPriority);
    const all = level === undefined ? [] : level.routable.length > 0 ? level.routable : level.undrained;
    return { ...flat('forced', all, all, routableShare, health), activePriority: input.forcedPriority };
  }
  // panicThreshold 0 turns panic off: health is never below it.
  if (undrained.length > 0 && health < input.panicThreshold) {
    return flat('panic', undrained, undrained, routableShare, health);
  }
  if (strategy !== 'priority') return flat('automatic', routable, routable, routableShare, health);
  const levels = byLevel.map((l, i) => ({ priority: l.priority, endpoints: l.routable, load: loads[i]! })).filter((l) => l.load > 0);
  const all = levels.flatMap((l) => l.endpoints);
  return { mode: 'automatic', activePriority: levels[0]?.priority ?? 0, routableShare, health, all, levels, fallback: routable };
}
