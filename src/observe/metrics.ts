/**
 * One metric vocabulary for every component, chosen once and used by the dashboard, the alert
 * rules and the docs (docs/metrics.md lists it). Names follow resilience4j's Micrometer naming,
 * in Prometheus form: `bulwark_<component>_<measure>_<unit>`.
 */
import { Counter, Gauge, Histogram, type OpenMetricsContentType, Registry, collectDefaultMetrics } from 'prom-client';
import { LabelCap } from './label-cap.js';
import { OpenMetricsView } from './open-metrics-view.js';
import { withDefaults } from '../core/options.js';

export interface MetricsOptions {
  /** Also export Node.js process metrics (CPU, memory, event loop, GC); on, as an ops server wants them. */
  defaultMetrics?: boolean;
  /** Distinct values kept per label before folding into `other`; 200 covers real fleets of dependencies. */
  maxLabelValues?: number;
  /** Latency buckets in seconds; from 1 ms to 30 s, the range of exchange and database calls. */
  latencyBuckets?: number[];
}

export const METRICS_DEFAULTS = {
  defaultMetrics: true,
  maxLabelValues: 200,
  latencyBuckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
} satisfies Required<MetricsOptions>;

/** Every metric name Bulwark exports, for docs, alerts and the dashboard. */
export const metricNames = {
  breakerState: 'bulwark_circuitbreaker_state',
  breakerCalls: 'bulwark_circuitbreaker_calls_total',
  breakerFailureRate: 'bulwark_circuitbreaker_failure_rate',
  breakerSlowCallRate: 'bulwark_circuitbreaker_slow_call_rate',
  breakerTransitions: 'bulwark_circuitbreaker_transitions_total',
  callDuration: 'bulwark_call_duration_seconds',
  retryCalls: 'bulwark_retry_calls_total',
  timeouts: 'bulwark_timeout_calls_total',
  bulkheadExecuting: 'bulwark_bulkhead_executing_calls',
  bulkheadQueued: 'bulwark_bulkhead_queued_calls',
  bulkheadMaxConcurrent: 'bulwark_bulkhead_max_concurrent_calls',
  bulkheadRejected: 'bulwark_bulkhead_rejected_calls_total',
  rateLimited: 'bulwark_ratelimiter_limited_calls_total',
  rateLimitUsage: 'bulwark_ratelimiter_usage_ratio',
  rateLimitQueued: 'bulwark_ratelimiter_queued_calls',
  exchangeThrottled: 'bulwark_exchange_throttled_total',
  fallbacks: 'bulwark_fallback_calls_total',
  hedges: 'bulwark_hedge_calls_total',
  tradingGate: 'bulwark_trading_gate_state',
  orders: 'bulwark_orders_total',
  dlqDepth: 'bulwark_dlq_depth',
  healthScore: 'bulwark_health_score',
  healthCheck: 'bulwark_health_check_status',
  alertsFiring: 'bulwark_alerts_firing',
  fleetInstances: 'bulwark_fleet_instances',
  fleetGate: 'bulwark_fleet_gate_state',
  fleetHalted: 'bulwark_fleet_halted',
  fleetLeader: 'bulwark_fleet_leader',
  regionRole: 'bulwark_region_role',
  regionLeaseEpoch: 'bulwark_region_lease_epoch',
  securityThreats: 'bulwark_security_threats',
  securityLockouts: 'bulwark_security_lockouts',
  failoverEndpointState: 'bulwark_failover_endpoint_state',
  failoverCalls: 'bulwark_failover_calls_total',
  failoverEjections: 'bulwark_failover_ejections_total',
  failoverLatency: 'bulwark_failover_endpoint_latency_seconds',
  failoverShare: 'bulwark_failover_endpoint_traffic_share_ratio',
  failoverRoutingMode: 'bulwark_failover_routing_mode',
  failoverActivePriority: 'bulwark_failover_active_priority',
  failoverRoutable: 'bulwark_failover_routable_ratio',
  postgresReplicaLag: 'bulwark_postgres_replica_lag_seconds',
  postgresReplicaState: 'bulwark_postgres_replica_state',
  postgresPrimaryFallbackReads: 'bulwark_postgres_primary_fallback_reads_total',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];

/** The series a histogram exports, as suffixes of its name (Prometheus' spelling). */
export const histogramSeries = ['_bucket', '_sum', '_count'] as const;

/** The states a breaker gauge reports, one series each (1 = current). */
export const breakerStates = ['closed', 'open', 'half-open', 'isolated', 'disabled', 'metrics-only'] as const;
export const gateStates = ['active', 'reducing', 'halted'] as const;
/** The roles a region reports under the trading lease, one series each (1 = current). */
export const regionRoles = ['active', 'passive', 'unknown'] as const;
export const healthStatuses = ['up', 'degraded', 'down', 'unknown', 'affected'] as const;
/** Order outcomes counted in `bulwark_orders_total` (observe/order-outcomes.ts decides which transition is which). */
export const orderOutcomes = ['placed', 'rejected', 'unknown', 'reconciled'] as const;
/** Breaker call kinds counted in `bulwark_circuitbreaker_calls_total`. */
export const breakerCallKinds = ['successful', 'failed', 'not_permitted'] as const;
/** The transitions a breaker makes on its own (isolation is an operator's act, counted when it happens). */
export const breakerTransitionPairs = [
  ['closed', 'open'],
  ['open', 'half-open'],
  ['half-open', 'closed'],
  ['half-open', 'open'],
] as const;
/** A failover endpoint's states, one series each (1 = current). */
export const failoverEndpointStates = ['healthy', 'warming', 'ejected', 'unhealthy', 'drained'] as const;
/** A failover group's routing modes, one series each (1 = current). */
export const failoverRoutingModes = ['automatic', 'panic', 'pinned', 'forced'] as const;
/** Call outcomes counted in `bulwark_failover_calls_total`. */
export const failoverCallOutcomes = ['success', 'gateway', 'failure', 'neutral'] as const;
/** A PostgreSQL host's condition for stale-tolerant reads, one series each (1 = current); only `caught-up` answers them. */
export const postgresReplicaStates = ['caught-up', 'lagging', 'primary', 'down', 'unchecked'] as const;
/** HTTP statuses an exchange throttles with: 429 (slow down) and 418 (banned). */
export const throttleStatuses = ['429', '418'] as const;

/**
 * prom-client default metrics left out: three gauges whose names end in `_total`, which
 * `promtool check metrics` rejects; `nodejs_active_handles` etc. carry the same counts by type.
 */
export const omittedDefaultMetrics: readonly string[] = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The prom-client registries (Prometheus text and OpenMetrics) and every Bulwark metric in them. */
export class Metrics {
  readonly registry: Registry;
  readonly openMetricsRegistry: Registry<OpenMetricsContentType>;
  readonly labels: LabelCap;

  readonly breakerState: Gauge<'name' | 'state'>;
  readonly breakerCalls: Counter<'name' | 'kind'>;
  readonly breakerFailureRate: Gauge<'name'>;
  readonly breakerSlowCallRate: Gauge<'name'>;
  readonly breakerTransitions: Counter<'name' | 'from' | 'to'>;
  readonly callDuration: Histogram<'name' | 'kind'>;
  readonly retryCalls: Counter<'name' | 'kind'>;
  readonly timeouts: Counter<'name'>;
  readonly bulkheadExecuting: Gauge<'name'>;
  readonly bulkheadQueued: Gauge<'name'>;
  readonly bulkheadMaxConcurrent: Gauge<'name'>;
  readonly bulkheadRejected: Counter<'name' | 'reason'>;
  readonly rateLimited: Counter<'name' | 'key'>;
  readonly rateLimitUsage: Gauge<'name'>;
  readonly rateLimitQueued: Gauge<'name'>;
  readonly exchangeThrottled: Counter<'exchange' | 'status'>;
  readonly fallbacks: Counter<'name'>;
  readonly hedges: Counter<'name'>;
  readonly tradingGate: Gauge<'gate' | 'state'>;
  readonly orders: Counter<'exchange' | 'outcome'>;
  readonly dlqDepth: Gauge<'queue'>;
  readonly healthScore: Gauge;
  readonly healthCheck: Gauge<'check' | 'status'>;
  readonly alertsFiring: Gauge<'severity'>;
  readonly fleetInstances: Gauge<'status'>;
  readonly fleetGate: Gauge<'instance' | 'state'>;
  readonly fleetHalted: Gauge;
  readonly fleetLeader: Gauge<'duty' | 'instance'>;
  readonly regionRole: Gauge<'region' | 'role'>;
  readonly regionLeaseEpoch: Gauge<'region'>;
  readonly securityThreats: Gauge<'rule'>;
  readonly securityLockouts: Gauge;
  readonly failoverEndpointState: Gauge<'group' | 'endpoint' | 'state'>;
  readonly failoverCalls: Counter<'group' | 'endpoint' | 'outcome'>;
  readonly failoverEjections: Counter<'group' | 'endpoint' | 'reason'>;
  readonly failoverLatency: Gauge<'group' | 'endpoint'>;
  readonly failoverShare: Gauge<'group' | 'endpoint'>;
  readonly failoverRoutingMode: Gauge<'group' | 'mode'>;
  readonly failoverActivePriority: Gauge<'group'>;
  readonly failoverRoutable: Gauge<'group'>;
  readonly postgresReplicaLag: Gauge<'host'>;
  readonly postgresReplicaState: Gauge<'host' | 'state'>;
  readonly postgresPrimaryFallbackReads: Counter;

  /** Refreshers run before every scrape (gauges that read live state). */
  private readonly refreshers = new Set<() => void>();
  /** Refreshers that must ask something first (a database), awaited by the metrics that need them. */
  private readonly asyncRefreshers = new Set<() => Promise<void>>();
  private asyncRefreshing: Promise<void> | undefined;

  constructor(options: MetricsOptions = {}) {
    const o = withDefaults(METRICS_DEFAULTS, options);
    this.registry = new Registry();
    // A view over the same metrics: prom-client renames counters in place for OpenMetrics, so a
    // metric must not sit in two registries (see open-metrics-view.ts).
    this.openMetricsRegistry = new OpenMetricsView(this.registry);
    this.labels = new LabelCap(o.maxLabelValues);
    const registers = [this.registry];
    const refresh = (): void => this.refresh();
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> =>
      new Gauge({ name, help, labelNames, registers, collect: refresh });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
      new Counter({ name, help, labelNames, registers });

    this.breakerState = gauge(metricNames.breakerState, 'Circuit breaker state: 1 for the current state, 0 for the others', ['name', 'state']);
    this.breakerCalls = counter(metricNames.breakerCalls, 'Calls through a breaker by kind: successful, failed, slow, not_permitted', ['name', 'kind']);
    this.breakerFailureRate = gauge(metricNames.breakerFailureRate, 'Failure rate over the breaker window (0-1)', ['name']);
    this.breakerSlowCallRate = gauge(metricNames.breakerSlowCallRate, 'Slow-call rate over the breaker window (0-1)', ['name']);
    this.breakerTransitions = counter(metricNames.breakerTransitions, 'Breaker state transitions', ['name', 'from', 'to']);
    this.callDuration = new Histogram({
      name: metricNames.callDuration,
      help: 'Duration of calls to a dependency, by outcome kind (successful, failed)',
      labelNames: ['name', 'kind'],
      buckets: o.latencyBuckets,
      registers,
    });
    this.retryCalls = counter(metricNames.retryCalls, 'Retry activity by kind: retry (a try failed, another follows) or a give-up reason', ['name', 'kind']);
    this.timeouts = counter(metricNames.timeouts, 'Calls that reached their deadline', ['name']);
    this.bulkheadExecuting = gauge(metricNames.bulkheadExecuting, 'Calls running inside a bulkhead', ['name']);
    this.bulkheadQueued = gauge(metricNames.bulkheadQueued, 'Calls waiting for a bulkhead slot', ['name']);
    this.bulkheadMaxConcurrent = gauge(metricNames.bulkheadMaxConcurrent, 'Bulkhead capacity', ['name']);
    this.bulkheadRejected = counter(metricNames.bulkheadRejected, 'Calls a bulkhead turned away, by reason', ['name', 'reason']);
    this.rateLimited = counter(metricNames.rateLimited, 'Calls refused or timed out by a rate limiter', ['name', 'key']);
    this.rateLimitUsage = gauge(metricNames.rateLimitUsage, 'Share of a rate limit used over its window (0-1)', ['name']);
    this.rateLimitQueued = gauge(metricNames.rateLimitQueued, 'Calls waiting for a rate-limit token', ['name']);
    this.exchangeThrottled = counter(metricNames.exchangeThrottled, 'Requests an exchange throttled, by HTTP status: 429 (slow down), 418 (banned)', ['exchange', 'status']);
    this.fallbacks = counter(metricNames.fallbacks, 'Calls answered by a fallback', ['name']);
    this.hedges = counter(metricNames.hedges, 'Hedged (extra) tries started', ['name']);
    this.tradingGate = gauge(metricNames.tradingGate, 'Trading gate: 1 for the current state (active, reducing, halted)', ['gate', 'state']);
    this.orders = counter(metricNames.orders, 'Order outcomes: placed, rejected, unknown, reconciled', ['exchange', 'outcome']);
    this.dlqDepth = gauge(metricNames.dlqDepth, 'Items in a dead-letter queue', ['queue']);
    this.healthScore = new Gauge({ name: metricNames.healthScore, help: 'Health score, 0-100', registers, collect: refresh });
    this.healthCheck = gauge(metricNames.healthCheck, 'Health check status: 1 for the current status', ['check', 'status']);
    this.alertsFiring = gauge(metricNames.alertsFiring, 'Alerts firing, by severity', ['severity']);
    this.fleetInstances = gauge(metricNames.fleetInstances, 'Instances of the fleet by status: live, stale (no heartbeat within its TTL), left', ['status']);
    this.fleetGate = gauge(metricNames.fleetGate, "An instance's trading gate as its last snapshot says: 1 for the current state", ['instance', 'state']);
    this.fleetHalted = new Gauge({ name: metricNames.fleetHalted, help: '1 while the fleet-wide halt holds', registers, collect: refresh });
    this.fleetLeader = gauge(metricNames.fleetLeader, 'The live instance leading a singleton duty (1), e.g. duty orders:binance', ['duty', 'instance']);
    this.regionRole = gauge(metricNames.regionRole, "This region's role under the trading lease: 1 for the current role (active: it trades; passive: the other region does; unknown)", ['region', 'role']);
    this.regionLeaseEpoch = gauge(metricNames.regionLeaseEpoch, 'The trading lease epoch as this region last read it (the fencing token of its holder; it grows at every takeover)', ['region']);
    this.securityThreats = gauge(metricNames.securityThreats, "Threat findings per detection rule within the detector's alert hold time (security.threats.alertHoldMs)", ['rule']);
    this.securityLockouts = new Gauge({ name: metricNames.securityLockouts, help: 'Source addresses locked out now after failed sign-ins or bad tokens', registers, collect: refresh });
    this.failoverEndpointState = gauge(metricNames.failoverEndpointState, 'Failover endpoint state: 1 for the current state (healthy, warming, ejected, unhealthy, drained)', ['group', 'endpoint', 'state']);
    this.failoverCalls = counter(metricNames.failoverCalls, 'Calls through a failover group by endpoint and outcome: success, gateway (5xx, timeout, connection), failure, neutral', ['group', 'endpoint', 'outcome']);
    this.failoverEjections = counter(metricNames.failoverEjections, 'Endpoints ejected by outlier detection, by the rule that ejected them', ['group', 'endpoint', 'reason']);
    this.failoverLatency = gauge(metricNames.failoverLatency, "Moving average of an endpoint's call latency (the group's latencyDecayMs)", ['group', 'endpoint']);
    this.failoverShare = gauge(metricNames.failoverShare, "An endpoint's share of its group's calls over the last outlier-detection interval (0-1)", ['group', 'endpoint']);
    this.failoverRoutingMode = gauge(metricNames.failoverRoutingMode, "Failover group routing mode: 1 for the current mode (automatic, panic, pinned, forced)", ['group', 'mode']);
    this.failoverActivePriority = gauge(metricNames.failoverActivePriority, 'The lowest priority level taking traffic in a failover group (0 = preferred)', ['group']);
    this.failoverRoutable = gauge(metricNames.failoverRoutable, "Share of a failover group's endpoints that may take new calls (healthy or warming, 0-1)", ['group']);
    // Measured when scraped (a database round trip per host at most every lagCheckIntervalMs): awaited, not the shared refresh.
    const refreshAsync = (): Promise<void> => this.refreshAsync();
    this.postgresReplicaLag = new Gauge({
      name: metricNames.postgresReplicaLag,
      help: 'How far a PostgreSQL standby is behind the primary, as last measured (0 when it replayed all it received); absent while unknown',
      labelNames: ['host'],
      registers,
      collect: refreshAsync,
    });
    this.postgresReplicaState = new Gauge({
      name: metricNames.postgresReplicaState,
      help: 'A PostgreSQL host for stale-tolerant reads: 1 for the current condition (caught-up answers them; lagging, primary, down, unchecked do not)',
      labelNames: ['host', 'state'],
      registers,
      collect: refreshAsync,
    });
    this.postgresPrimaryFallbackReads = new Counter({
      name: metricNames.postgresPrimaryFallbackReads,
      help: 'Stale-tolerant reads the PostgreSQL primary answered because no replica was caught up (lagging, down or none)',
      registers,
      collect: refreshAsync,
    });

    if (o.defaultMetrics) {
      // Standard names (process_*, nodejs_*), so stock dashboards and alerts find them; the
      // OpenMetrics view renders them too.
      collectDefaultMetrics({ register: this.registry });
      for (const name of omittedDefaultMetrics) this.registry.removeSingleMetric(name);
    }
  }

  /** A label value, folded into `other` past the cardinality cap. */
  label(label: string, value: string): string {
    return this.labels.value(label, value);
  }

  /** Registers a function that refreshes gauges before each scrape; returns its remover. */
  onScrape(refresher: () => void): () => void {
    this.refreshers.add(refresher);
    return () => this.refreshers.delete(refresher);
  }

  /**
   * Registers an asynchronous refresher, awaited before the metrics that ask for it are read (it must
   * not reject: what it could not learn it reports as such); returns its remover.
   */
  onScrapeAsync(refresher: () => Promise<void>): () => void {
    this.asyncRefreshers.add(refresher);
    return () => this.asyncRefreshers.delete(refresher);
  }

  /** Runs the asynchronous refreshers, once for every metric read while they run (one scrape). */
  refreshAsync(): Promise<void> {
    this.asyncRefreshing ??= Promise.allSettled([...this.asyncRefreshers].map(async (r) => r())).then(() => {
      this.asyncRefreshing = undefined;
    });
    return this.asyncRefreshing;
  }

  private refreshing = false;
  /** Runs the refreshers once per scrape (many gauges share one collect). */
  refresh(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      for (const refresher of this.refreshers) refresher();
    } finally {
      // Gauges collect one after another within a scrape; let the next scrape refresh again.
      queueMicrotask(() => (this.refreshing = false));
    }
  }

  /** Prometheus text exposition format 0.0.4. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** OpenMetrics 1.0.0. */
  openMetrics(): Promise<string> {
    return this.openMetricsRegistry.metrics();
  }

  /** Sets one-of-N state gauges: 1 for `current`, 0 for the rest. */
  static setState<L extends string>(g: Gauge<L>, labels: Partial<Record<L, string>>, stateLabel: L, states: readonly string[], current: string): void {
    for (const state of states) g.set({ ...labels, [stateLabel]: state } as Partial<Record<L, string>>, state === current ? 1 : 0);
  }
}

export function createMetrics(options?: MetricsOptions): Metrics {
  return new Metrics(options);
}
