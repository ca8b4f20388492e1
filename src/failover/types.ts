/**
 * The shapes of `bulwark/failover`: a failover group is a set of endpoints that serve the same
 * thing (an exchange's REST hosts, a database's replicas, a strategy's regions), with priorities
 * and weights, a routing strategy, passive health (outlier detection on real calls), active health
 * (a check per endpoint), slow start, and manual control (drain, pin, force a priority), every
 * change kept in the group's history with its reason and time.
 *
 * Words used throughout:
 * - an endpoint is *routable* when the group may send it new calls: `healthy` or `warming`;
 * - *ejected*: taken out by outlier detection for a time (base time x number of ejections);
 * - *unhealthy*: failed its active health check `unhealthyThreshold` times in a row;
 * - *drained*: taken out by an operator; calls in flight finish, no new ones go;
 * - *warming*: back from ejection or ill health, its share ramps up (slow start);
 * - *panic*: fewer than `panicThreshold` of the group's endpoints are routable, so the group
 *   routes to all of them (ejecting everything is worse than using the sick ones).
 */
import type { Clock } from '../core/clock.js';
import type { EventSource } from '../core/events.js';

/** One endpoint as the user declares it. */
export interface EndpointSpec<T> {
  /** Unique in its group: history, metrics and the API name it. */
  name: string;
  /** What a call is made against: a base URL, a connection pool, a client. */
  target: T;
  /** 0 is preferred; higher levels take traffic as lower ones fail (strategy `priority`). */
  priority?: number;
  /** Relative share among endpoints of the same priority (strategies `priority` and `weighted`). */
  weight?: number;
}

/**
 * How calls are spread:
 * - `priority`: active-passive, the best healthy priority level takes the traffic, spilling to the
 *   next as it degrades (Envoy's overprovisioning factor), weighted within a level;
 * - `p2c`: active-active, power of two choices on an EWMA of latency times calls in flight (Finagle);
 * - `roundRobin`: each routable endpoint in turn;
 * - `weighted`: smooth weighted round robin over every routable endpoint, priorities ignored.
 */
export type FailoverStrategy = 'priority' | 'p2c' | 'roundRobin' | 'weighted';

export type EndpointState = 'healthy' | 'warming' | 'ejected' | 'unhealthy' | 'drained';

/**
 * What one call said about its endpoint:
 * - `success`: it answered (a business refusal such as "insufficient balance" is a success here);
 * - `gateway`: a gateway-type failure, the endpoint's fault (5xx, timeout, connection refused/reset);
 * - `failure`: another failure the endpoint is to blame for;
 * - `neutral`: says nothing about the endpoint (the caller aborted, the request was invalid).
 */
export type CallOutcome = 'success' | 'gateway' | 'failure' | 'neutral';

/** Why an endpoint's state changed (kebab-case, as every reason in Bulwark). */
export type EndpointChangeReason =
  | 'consecutive-failures'
  | 'consecutive-gateway-failures'
  | 'failure-percentage'
  | 'success-rate'
  | 'ejection-over'
  | 'health-check-failed'
  | 'health-check-passed'
  | 'slow-start-over'
  | 'operator';

/** An endpoint's state changed. */
export interface EndpointStateChange {
  kind: 'endpoint';
  group: string;
  endpoint: string;
  from: EndpointState;
  to: EndpointState;
  reason: EndpointChangeReason;
  /** The operator's words for a manual change; a short explanation for an automatic one. */
  detail: string;
  /** Who asked, for a manual change. */
  actor?: string;
  at: number;
}

/**
 * How the group routes as a whole: `automatic` (by strategy and health), `panic` (too few routable:
 * all endpoints take traffic), `pinned` (an operator sends everything to one endpoint), `forced`
 * (an operator sends everything to one priority level).
 */
export type RoutingMode = 'automatic' | 'panic' | 'pinned' | 'forced';

export type RoutingChangeReason = 'panic' | 'panic-over' | 'failover' | 'failback' | 'operator';

/** The group's routing changed: panic began or ended, the active priority level moved, or an operator pinned or forced. */
export interface RoutingChange {
  kind: 'routing';
  group: string;
  from: RoutingMode;
  to: RoutingMode;
  /** The lowest priority level taking traffic after the change. */
  activePriority: number;
  reason: RoutingChangeReason;
  detail: string;
  actor?: string;
  at: number;
}

/** One entry of a group's failover history. */
export type FailoverChange = EndpointStateChange | RoutingChange;

/** One call through the group ended: what `record()` (or `execute`) was told. */
export interface CallRecorded {
  group: string;
  endpoint: string;
  outcome: CallOutcome;
  latencyMs: number;
  at: number;
}

export interface FailoverGroupEvents {
  /** An endpoint was ejected, came back, failed or passed its health check, was drained or undrained. */
  stateChange: EndpointStateChange;
  /** Panic began or ended, traffic moved to another priority level, or an operator pinned, forced or released. */
  routingChange: RoutingChange;
  /** A call ended (metrics count calls by endpoint and outcome); emitted only while someone listens. */
  call: CallRecorded;
}

/** A manual change: the operator's reason (required) and who they are. */
export interface ManualChange {
  reason: string;
  actor?: string;
}

/** What an operator set by hand: kept by the server across restarts and put back with `restoreManual`. */
export interface ManualRouting {
  drained: string[];
  pinned?: string;
  forcedPriority?: number;
}

export interface EndpointSnapshot {
  name: string;
  priority: number;
  weight: number;
  state: EndpointState;
  /** When the state last changed. */
  since: number;
  /** Times outlier detection ejected it (the next ejection lasts base time x this + 1). */
  ejections: number;
  /** Until when it is ejected, while ejected. */
  ejectedUntil?: number;
  inFlight: number;
  /** Moving average of call latency (ms); undefined before the first call. */
  latencyMs?: number;
  /** Calls and failures in the current outlier-detection interval (every one: the rules judge only those taken in service). */
  calls: number;
  failures: number;
  /** Share of the group's calls it took over the last interval (0-1). */
  share: number;
  /** Its current weight factor (0-1): below 1 while warming. */
  weightFactor: number;
  /** The last active health check, when checks run. */
  lastCheck?: { at: number; ok: boolean; latencyMs: number; error?: string };
}

export interface FailoverGroupSnapshot {
  name: string;
  strategy: FailoverStrategy;
  mode: RoutingMode;
  /** The lowest priority level taking traffic. */
  activePriority: number;
  /** Share of endpoints routable (0-1). */
  routableShare: number;
  manual: ManualRouting;
  endpoints: EndpointSnapshot[];
}

/** One endpoint handed to a caller by `pick()`; give it back to `record()` when the call ends. */
export interface PickedEndpoint<T> {
  readonly name: string;
  readonly target: T;
  readonly priority: number;
}

export interface FailoverGroup<T> extends EventSource<FailoverGroupEvents> {
  readonly name: string;
  readonly strategy: FailoverStrategy;
  readonly clock: Clock;
  /**
   * Chooses the endpoint for one call (counts it in flight). `exclude` names endpoints already tried
   * by this call, avoided while another is routable. Throws `NoEndpointError` when every endpoint is
   * drained.
   */
  pick(exclude?: ReadonlySet<string>): PickedEndpoint<T>;
  /** Ends a call started by `pick()`: its outcome and latency feed outlier detection and p2c. */
  record(endpoint: PickedEndpoint<T>, outcome: CallOutcome, latencyMs: number): void;
  /** pick + call + record: the outcome is classified by the group's `classify` option. */
  execute<R>(fn: (target: T, endpoint: PickedEndpoint<T>) => Promise<R>, options?: { exclude?: ReadonlySet<string> }): Promise<R>;
  drain(endpoint: string, change: ManualChange): void;
  undrain(endpoint: string, change: ManualChange): void;
  /** Sends every call to one endpoint (even one that is ejected or unhealthy: the operator knows better). */
  pin(endpoint: string, change: ManualChange): void;
  /** Sends every call to one priority level's routable endpoints. */
  forcePriority(priority: number, change: ManualChange): void;
  /** Ends a pin or a forced priority: routing is automatic again. */
  automatic(change: ManualChange): void;
  /** What an operator set by hand, to keep across restarts. */
  manual(): ManualRouting;
  /** Puts back what `manual()` returned before a restart (recorded in the history as the operator's). */
  restoreManual(state: ManualRouting, change: ManualChange): void;
  snapshot(): FailoverGroupSnapshot;
  /** The latest changes, oldest first (bounded). */
  history(): FailoverChange[];
  /** Starts active health checks (when configured) and timers; idempotent. */
  start(): void;
  /** Stops every timer; calls in flight are unaffected. */
  stop(): void;
}
