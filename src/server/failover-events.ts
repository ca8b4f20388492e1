/**
 * A failover group's automatic changes where an operator looks: on the timeline (kind `failover`)
 * and in the audit log as the service's own decisions (`failover.stateChange`,
 * `failover.routingChange`, principal `system`): an endpoint ejected or back, failing or passing its
 * health check, panic beginning or ending, traffic failing over to another priority level or back.
 *
 * Manual changes (drain, undrain, pin, a forced priority, back to automatic) are left out here: the
 * ops API records them itself, on the timeline with who asked and why, and in the audit log as the
 * request with its before and after (routes/failover.ts). Every change of either kind is also in the
 * group's own history.
 *
 * `bindFailover` is what the demo and the configured service call once their groups exist: these
 * events, the groups' metrics (observe/failover-metrics.ts) and their alert rules.
 */
import type { Unsubscribe } from '../core/events.js';
import type { AlertEngine } from '../observe/alerts/engine.js';
import { failoverAlertRules } from '../observe/failover-alerts.js';
import { observeFailover } from '../observe/failover-metrics.js';
import type { Metrics } from '../observe/metrics.js';
import type { EndpointStateChange, FailoverGroup, ManualRouting, RoutingChange } from '../failover/types.js';
import type { AuditLog, AuditRecord } from '../security/audit-log.js';
import { recordDecision } from './audit-decisions.js';
import type { LiveEvents, TimelineSeverity } from './live-events.js';

export interface FailoverEventsOptions {
  /** The timeline the dashboard shows. */
  events?: LiveEvents;
  /** The audit log; automatic changes are written as decisions of the `system` principal. */
  audit?: AuditLog;
  /** Called when an audit entry could not be written after every try. */
  onAuditFailure?: (error: unknown, record: AuditRecord) => void;
}

const endpointSeverity = (c: EndpointStateChange): TimelineSeverity => (c.to === 'ejected' || c.to === 'unhealthy' ? 'warning' : 'info');
const routingSeverity = (c: RoutingChange): TimelineSeverity => (c.to === 'panic' ? 'critical' : c.reason === 'failover' ? 'warning' : 'info');
const detailOf = (detail: string): string => (detail ? `: ${detail}` : '');

/** An endpoint's change in one line: `api1 healthy → ejected (consecutive-gateway-failures): 5 in a row`. */
export function describeEndpointChange(c: EndpointStateChange): string {
  return `${c.endpoint} ${c.from} → ${c.to} (${c.reason})${detailOf(c.detail)}`;
}

/** A routing change in one line: `failover to priority 1 (automatic)`, `panic: routing to every endpoint`. */
export function describeRoutingChange(c: RoutingChange): string {
  switch (c.reason) {
    case 'failover':
      return `failover to priority ${c.activePriority}${detailOf(c.detail)}`;
    case 'failback':
      return `failback to priority ${c.activePriority}${detailOf(c.detail)}`;
    case 'panic':
      return `panic: routing to every endpoint${detailOf(c.detail)}`;
    case 'panic-over':
      return `panic over, routing ${c.to} at priority ${c.activePriority}${detailOf(c.detail)}`;
    default:
      return `routing ${c.from} → ${c.to}, priority ${c.activePriority}${detailOf(c.detail)}`;
  }
}

/** A manual routing in words: `drained api1, api2; pinned api3; forced priority 1`, or `automatic`. */
export function describeManual(m: ManualRouting): string {
  const parts = [...(m.drained.length > 0 ? [`drained ${m.drained.join(', ')}`] : []), ...(m.pinned !== undefined ? [`pinned ${m.pinned}`] : []), ...(m.forcedPriority !== undefined ? [`forced priority ${m.forcedPriority}`] : [])];
  return parts.length > 0 ? parts.join('; ') : 'automatic';
}

/** Records the groups' automatic changes on the timeline and in the audit log until the returned function is called. */
export function bindFailoverEvents(groups: ReadonlyArray<FailoverGroup<unknown>>, options: FailoverEventsOptions): Unsubscribe {
  const { events, audit, onAuditFailure } = options;
  const offs: Unsubscribe[] = [];
  const decide = (record: AuditRecord): void => {
    if (audit) void recordDecision(audit, record, onAuditFailure);
  };
  for (const group of groups) {
    offs.push(
      group.on('stateChange', (c) => {
        if (c.reason === 'operator') return;
        events?.record('failover', group.name, describeEndpointChange(c), endpointSeverity(c));
        decide({ action: 'failover.stateChange', target: `${group.name}/${c.endpoint}`, before: { state: c.from }, after: { state: c.to, reason: c.reason, detail: c.detail }, time: c.at, tags: ['trading-control'] });
      }),
      group.on('routingChange', (c) => {
        if (c.reason === 'operator') return;
        events?.record('failover', group.name, describeRoutingChange(c), routingSeverity(c));
        decide({ action: 'failover.routingChange', target: group.name, before: { mode: c.from }, after: { mode: c.to, activePriority: c.activePriority, reason: c.reason, detail: c.detail }, time: c.at, tags: ['trading-control'] });
      }),
    );
  }
  return () => offs.splice(0).forEach((off) => off());
}

export interface BindFailoverOptions extends FailoverEventsOptions {
  metrics?: Metrics;
  /** The engine gets the failover alert rules (those already present, by name, are left alone). */
  alerts?: AlertEngine;
}

/** Timeline, audit, metrics and alert rules for the service's failover groups; returns the unbinder. */
export function bindFailover(groups: ReadonlyArray<FailoverGroup<unknown>>, options: BindFailoverOptions): Unsubscribe {
  const offs: Unsubscribe[] = [bindFailoverEvents(groups, options)];
  if (options.metrics) for (const group of groups) offs.push(observeFailover(options.metrics, group));
  if (options.alerts && groups.length > 0) for (const rule of failoverAlertRules()) if (!options.alerts.get(rule.name)) options.alerts.add(rule);
  return () => offs.splice(0).forEach((off) => off());
}
