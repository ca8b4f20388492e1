/**
 * Failover groups as metrics (names in docs/metrics.md):
 *
 *   bulwark_failover_endpoint_state{group,endpoint,state}          1 for the current state
 *   bulwark_failover_calls_total{group,endpoint,outcome}           success | gateway | failure | neutral
 *   bulwark_failover_ejections_total{group,endpoint,reason}        by the outlier rule that ejected
 *   bulwark_failover_endpoint_latency_seconds{group,endpoint}      moving average
 *   bulwark_failover_endpoint_traffic_share_ratio{group,endpoint}  share of the group's calls (0-1)
 *   bulwark_failover_routing_mode{group,mode}                      1 for the current mode
 *   bulwark_failover_active_priority{group}                        lowest level taking traffic
 *   bulwark_failover_routable_ratio{group}                         share of endpoints routable
 *
 * Gauges read the group's snapshot at each scrape; the counters follow its `call` and `stateChange`
 * events. Every series of an endpoint starts at 0, so the first call or ejection shows in rate().
 */
import type { Unsubscribe } from '../core/events.js';
import { Metrics, failoverCallOutcomes, failoverEndpointStates, failoverRoutingModes } from './metrics.js';

/** A failover group as the metrics read it (`failoverGroup()` from `bulwark/failover` fits). */
export interface FailoverSourceLike {
  readonly name: string;
  snapshot(): {
    mode: string;
    activePriority: number;
    routableShare: number;
    endpoints: ReadonlyArray<{ name: string; state: string; latencyMs?: number | undefined; share: number }>;
  };
  on(name: 'call', listener: (event: { endpoint: string; outcome: string }) => void): Unsubscribe;
  on(name: 'stateChange', listener: (event: { endpoint: string; to: string; reason: string }) => void): Unsubscribe;
}

/** The outlier-detection rules that eject, each counted from 0. */
const EJECTION_REASONS = ['consecutive-failures', 'consecutive-gateway-failures', 'failure-percentage', 'success-rate'] as const;

/** Binds the group's metrics until the returned function is called (its series are removed then). */
export function observeFailover(metrics: Metrics, group: FailoverSourceLike): Unsubscribe {
  const g = metrics.label('group', group.name);
  const endpointLabel = (name: string): string => metrics.label('endpoint', name);
  const seen = new Set<string>();
  const ejectionReasons = new Set<string>(EJECTION_REASONS);
  const start = (endpoint: string): void => {
    if (seen.has(endpoint)) return;
    seen.add(endpoint);
    for (const outcome of failoverCallOutcomes) metrics.failoverCalls.inc({ group: g, endpoint, outcome }, 0);
    for (const reason of EJECTION_REASONS) metrics.failoverEjections.inc({ group: g, endpoint, reason }, 0);
  };
  const first = group.snapshot();
  for (const e of first.endpoints) start(endpointLabel(e.name));

  const offScrape = metrics.onScrape(() => {
    const s = group.snapshot();
    Metrics.setState(metrics.failoverRoutingMode, { group: g }, 'mode', failoverRoutingModes, s.mode);
    metrics.failoverActivePriority.set({ group: g }, s.activePriority);
    metrics.failoverRoutable.set({ group: g }, s.routableShare);
    for (const e of s.endpoints) {
      const endpoint = endpointLabel(e.name);
      start(endpoint);
      Metrics.setState(metrics.failoverEndpointState, { group: g, endpoint }, 'state', failoverEndpointStates, e.state);
      metrics.failoverShare.set({ group: g, endpoint }, e.share);
      // No call yet, no average: the series is left out rather than shown as 0 s.
      if (e.latencyMs !== undefined) metrics.failoverLatency.set({ group: g, endpoint }, e.latencyMs / 1_000);
    }
  });
  const offCall = group.on('call', ({ endpoint, outcome }) => metrics.failoverCalls.inc({ group: g, endpoint: endpointLabel(endpoint), outcome }));
  const offState = group.on('stateChange', ({ endpoint, to, reason }) => {
    if (to !== 'ejected') return;
    ejectionReasons.add(reason);
    metrics.failoverEjections.inc({ group: g, endpoint: endpointLabel(endpoint), reason });
  });
  return () => {
    offScrape();
    offCall();
    offState();
    // The group is no longer watched: its last values must not linger as if current.
    for (const mode of failoverRoutingModes) metrics.failoverRoutingMode.remove({ group: g, mode });
    metrics.failoverActivePriority.remove({ group: g });
    metrics.failoverRoutable.remove({ group: g });
    for (const endpoint of seen) {
      for (const state of failoverEndpointStates) metrics.failoverEndpointState.remove({ group: g, endpoint, state });
      for (const outcome of failoverCallOutcomes) metrics.failoverCalls.remove({ group: g, endpoint, outcome });
      for (const reason of ejectionReasons) metrics.failoverEjections.remove({ group: g, endpoint, reason });
      metrics.failoverShare.remove({ group: g, endpoint });
      metrics.failoverLatency.remove({ group: g, endpoint });
    }
  };
}
