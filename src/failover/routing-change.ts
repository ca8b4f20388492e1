/**
 * Whether a new routing plan is a routing change worth announcing, and in what words: panic began
 * or ended, or (strategy `priority`, automatic mode) the lowest level taking traffic moved up
 * (`failover`) or back down (`failback`). An operator's change is always announced, with the
 * operator's reason.
 */
import type { RoutingPlan } from './routing-plan.js';
import type { FailoverStrategy, ManualChange, RoutingChangeReason } from './types.js';

export const percent = (share: number): string => `${Math.round(share * 1000) / 10} %`;

export function routingChangeBetween<T>(
  before: RoutingPlan<T>,
  after: RoutingPlan<T>,
  strategy: FailoverStrategy,
  panicThreshold: number,
  manual?: ManualChange,
): { reason: RoutingChangeReason; detail: string } | undefined {
  if (manual !== undefined) return { reason: 'operator', detail: manual.reason };
  if (before.mode !== 'panic' && after.mode === 'panic') {
    return { reason: 'panic', detail: `health ${percent(after.health)} below the panic threshold ${percent(panicThreshold)}: routing to every undrained endpoint` };
  }
  if (before.mode === 'panic' && after.mode !== 'panic') {
    return { reason: 'panic-over', detail: `health ${percent(after.health)} back at or above the panic threshold ${percent(panicThreshold)}` };
  }
  if (strategy === 'priority' && before.mode === 'automatic' && after.mode === 'automatic' && after.all.length > 0 && after.activePriority !== before.activePriority) {
    return { reason: after.activePriority > before.activePriority ? 'failover' : 'failback', detail: `traffic moved from priority ${before.activePriority} to priority ${after.activePriority}` };
  }
  return undefined;
}
