/**
 * One endpoint's mutable record inside a group: what the user declared, the flags each part of the
 * group sets (outlier detection, active health, the operator, slow start) and the counters the
 * pickers and the rules read. Its `state` is derived from the flags, most severe first, so two parts
 * never fight over one field: an ejected endpoint that an operator drains and undrains is ejected
 * again, not healthy.
 */
import type { EndpointSnapshot, EndpointSpec, EndpointState, PickedEndpoint } from './types.js';

export class EndpointRecord<T> implements PickedEndpoint<T> {
  readonly name: string;
  readonly target: T;
  readonly priority: number;
  readonly weight: number;
  /** Its position in the group's endpoint list. */
  readonly index: number;

  // Flags, each owned by one part of the group.
  drained = false;
  /** Set by outlier detection; 0 when not ejected. */
  ejectedUntil = 0;
  /** Set by active health checks. */
  unhealthy = false;
  /** When it last became routable after being out (slow start); -Infinity: not warming. */
  warmingSince = -Infinity;

  /** The derived state and when it last changed. */
  state: EndpointState = 'healthy';
  since: number;

  /** Outlier detection: the ejection count (Envoy's backoff), when the current one began and when the last one ended. */
  ejections = 0;
  ejectedAt = -Infinity;
  releasedAt = -Infinity;
  consecutiveFailures = 0;
  consecutiveGatewayFailures = 0;
  /** Calls and failures in the current interval (the snapshot's). */
  intervalCalls = 0;
  intervalFailures = 0;
  /** Those of them it took in service (neither ejected nor unhealthy): what the interval rules judge. */
  judgedCalls = 0;
  judgedFailures = 0;

  /** Calls picked and not yet recorded. */
  inFlight = 0;
  /** Peak EWMA of latency (ms) as of `latencyAt`; NaN before the first call. */
  latencyMs = Number.NaN;
  latencyAt = 0;
  /** Calls picked in the current and the last share interval (snapshot `share`). */
  picks = 0;
  lastShare = 0;

  /** Slow start: its current weight factor (0-1) and effective weight (weight x factor). */
  weightFactor = 1;
  effectiveWeight: number;

  /** Active health; `checksPassedEjected` counts only checks begun since the current ejection began. */
  checksPassed = 0;
  checksFailed = 0;
  checksPassedEjected = 0;
  lastCheck: { at: number; ok: boolean; latencyMs: number; error?: string } | undefined;

  constructor(spec: Required<EndpointSpec<T>>, index: number, now: number) {
    this.name = spec.name;
    this.target = spec.target;
    this.priority = spec.priority;
    this.weight = spec.weight;
    this.index = index;
    this.since = now;
    this.effectiveWeight = spec.weight;
  }

  /** The state its flags make it, most severe first. */
  derivedState(now: number): EndpointState {
    if (this.drained) return 'drained';
    if (this.ejectedUntil > 0) return 'ejected';
    if (this.unhealthy) return 'unhealthy';
    if (this.warmingSince > -Infinity && now >= this.warmingSince) return 'warming';
    return 'healthy';
  }

  get routable(): boolean {
    return this.state === 'healthy' || this.state === 'warming';
  }
}

/** What the snapshot shows of an endpoint: a copy, safe to serialise. */
export function endpointSnapshot<T>(e: EndpointRecord<T>): EndpointSnapshot {
  return {
    name: e.name,
    priority: e.priority,
    weight: e.weight,
    state: e.state,
    since: e.since,
    ejections: e.ejections,
    ...(e.ejectedUntil > 0 ? { ejectedUntil: e.ejectedUntil } : {}),
    inFlight: e.inFlight,
    ...(Number.isNaN(e.latencyMs) ? {} : { latencyMs: e.latencyMs }),
    calls: e.intervalCalls,
    failures: e.intervalFailures,
    share: e.lastShare,
    weightFactor: e.weightFactor,
    ...(e.lastCheck === undefined ? {} : { lastCheck: { ...e.lastCheck } }),
  };
}
