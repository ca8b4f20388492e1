/** failoverGroup's options: the type, the defaults (each with its reason) and validation. */
import { type Clock, systemClock } from '../core/clock.js';
import { checkArray, checkBoolean, checkFunction, checkInteger, checkNonEmptyString, checkNumber, checkObject, checkOneOf, checkShape } from '../core/option-checks.js';
import { classifyOutcome } from './classify.js';
import type { CallOutcome, EndpointSpec, FailoverStrategy } from './types.js';

/** Passive health, after Envoy's outlier detection: each rule ejects on real calls' outcomes. */
export interface OutlierDetectionOptions {
  /** How often the percentage and success-rate rules are evaluated, and ejections ended. */
  intervalMs?: number;
  /** Failures (gateway or other) in a row that eject; 0 turns the rule off. */
  consecutiveFailures?: number;
  /** Gateway failures (5xx, timeout, connection) in a row that eject; 0 turns the rule off. */
  consecutiveGatewayFailures?: number;
  /** Failure share over an interval (0-1) that ejects; 0 turns the rule off. */
  failurePercentage?: number;
  /** Calls an endpoint needs in the interval for the failure-percentage rule to judge it. */
  failurePercentageMinimumCalls?: number;
  /** Endpoints with enough calls needed for the failure-percentage rule to run at all. */
  failurePercentageMinimumEndpoints?: number;
  /** Ejects an endpoint whose success rate is below mean - factor x stdev of the group's; 0 turns the rule off. */
  successRateStdevFactor?: number;
  /** Calls an endpoint needs in the interval for the success-rate rule to judge it. */
  successRateMinimumCalls?: number;
  /** Endpoints with enough calls needed for the success-rate rule to run at all. */
  successRateMinimumEndpoints?: number;
  /** An ejection lasts this times the endpoint's number of ejections. */
  baseEjectionMs?: number;
  /** The longest an ejection lasts. */
  maxEjectionMs?: number;
  /** Largest share of the group that may be ejected at once (at least one endpoint always may). */
  maxEjectionShare?: number;
  /** Each ejection lasts a random 0 to this much longer (Envoy's `max_ejection_time_jitter`), drawn from the group's `random`. */
  maxEjectionJitterMs?: number;
  /**
   * With active health checks, `healthCheck.healthyThreshold` checks passed in a row after an
   * ejection began end it early (Envoy's `successful_active_health_check_uneject_host`).
   */
  unejectOnHealthCheck?: boolean;
}

/** Active health: a check per endpoint on a timer. */
export interface HealthCheckOptions<T> {
  /** Resolves (true or nothing) when healthy; false or a throw is a failed check. */
  check: (target: T, signal: AbortSignal) => Promise<boolean | void>;
  intervalMs?: number;
  /** Each wait is the interval plus up to this share of it, random (checks of a fleet spread out). */
  jitterShare?: number;
  timeoutMs?: number;
  /** Passed checks in a row that make an unhealthy endpoint healthy again. */
  healthyThreshold?: number;
  /** Failed checks in a row that make an endpoint unhealthy. */
  unhealthyThreshold?: number;
}

/** A returning endpoint's share ramps up instead of taking its full share at once (Envoy's slow start). */
export interface SlowStartOptions {
  windowMs?: number;
  /** 1: linear ramp; above 1 ramps faster early ((t/window)^(1/aggression)). */
  aggression?: number;
  /** The share of its weight it starts from (0-1). */
  minWeightShare?: number;
}

export interface FailoverGroupOptions<T> {
  /** The group's name: metrics, history, the API and the dashboard name it. */
  name: string;
  endpoints: ReadonlyArray<EndpointSpec<T>>;
  strategy?: FailoverStrategy;
  /** Envoy's overprovisioning factor: a level with 1/factor of its endpoints healthy still takes all its traffic. */
  overprovisioningFactor?: number;
  /** Below this share of routable endpoints the group panics and routes to all (0 turns panic off). */
  panicThreshold?: number;
  /** `false` turns passive health off. */
  outlierDetection?: OutlierDetectionOptions | false;
  /** No active checks unless given. */
  healthCheck?: HealthCheckOptions<T>;
  /** `false` turns slow start off. */
  slowStart?: SlowStartOptions | false;
  /** How `execute` turns a thrown error into an outcome. */
  classify?: (error: unknown) => CallOutcome;
  /** Time constant of the latency moving average (p2c and the snapshot). */
  latencyDecayMs?: number;
  /** Entries kept in the history. */
  historySize?: number;
  clock?: Clock;
  /** Randomness for p2c, priority spill, check jitter and ejection jitter; inject a seeded one in tests. */
  random?: () => number;
}

/**
 * The defaults, written once. Envoy's are taken where they fit a trading system (its endpoints are a
 * handful of REST hosts, replicas or regions, not a fleet of hundreds); each line says which.
 */
export const FAILOVER_GROUP_DEFAULTS = {
  // Active-passive is what an exchange's spare hosts and a standby region are for.
  strategy: 'priority' as FailoverStrategy,
  // Envoy's 1.4: a level keeps all its traffic until fewer than 1/1.4 (71 %) of it is routable.
  overprovisioningFactor: 1.4,
  // Envoy's 50 %: below half the group routable, using the sick endpoints beats overloading the rest.
  panicThreshold: 0.5,
  // Envoy's 10 s decays a burst of load from an EWMA slowly enough to smooth, quickly enough to follow (Finagle's too).
  latencyDecayMs: 10_000,
  // 1000 changes cover a bad day of flapping endpoints in a few hundred kB.
  historySize: 1000,
  outlierDetection: {
    // Envoy's 10 s: enough calls per interval for a rate to mean something at a trading client's volume.
    intervalMs: 10_000,
    // Envoy's 5: a handful of errors in a row is an endpoint in trouble, not noise.
    consecutiveFailures: 5,
    // 3 (Envoy 5): a timeout or a 5xx is the endpoint's own fault, and each one may delay an order.
    consecutiveGatewayFailures: 3,
    // 50 % of calls failing in an interval (Envoy's rule, off there by default) is a broken endpoint.
    failurePercentage: 0.5,
    // 20 calls (Envoy 50): a trading client makes fewer calls per host per interval than a mesh.
    failurePercentageMinimumCalls: 20,
    // 1 (Envoy 5): the rule judges an endpoint by its own calls, so it needs no peers; groups are small.
    failurePercentageMinimumEndpoints: 1,
    // Envoy's 1.9 standard deviations: an outlier, not the slower half of a healthy group.
    successRateStdevFactor: 1.9,
    // Envoy's 100 calls: a success rate on fewer is noise.
    successRateMinimumCalls: 100,
    // Envoy's 5 endpoints: a mean and a deviation over fewer say nothing.
    successRateMinimumEndpoints: 5,
    // Envoy's 30 s: long enough for a restarting host to come back, short enough to retry soon.
    baseEjectionMs: 30_000,
    // Envoy's 300 s: an endpoint that keeps failing is retried every five minutes at most rarely.
    maxEjectionMs: 300_000,
    // 50 % (Envoy 10 %): with 2 to 6 endpoints 10 % would mean one; half keeps the rest from being overloaded.
    maxEjectionShare: 0.5,
    // Envoy's 0: an ejection ends when it says; slow start already spreads a returning endpoint's load over 30 s.
    maxEjectionJitterMs: 0,
    // Envoy's true: a host passing its own checks again is back without waiting out a 30-300 s ejection (false if the check tests less than calls do).
    unejectOnHealthCheck: true,
  },
  healthCheck: {
    // 5 s: a dead host is found within seconds without loading the exchange's weight budget.
    intervalMs: 5_000,
    // 10 % spreads the checks of many processes so they do not hit an endpoint together.
    jitterShare: 0.1,
    // 2 s: a check slower than this is a failure for an endpoint on an order path.
    timeoutMs: 2_000,
    // 2 passes in a row: a flapping host does not come back on one lucky check.
    healthyThreshold: 2,
    // 3 failures in a row: one lost check is not a dead endpoint.
    unhealthyThreshold: 3,
  },
  slowStart: {
    // 30 s: a returning host warms its caches and connections before it takes its full share.
    windowMs: 30_000,
    // Envoy's 1: a linear ramp.
    aggression: 1,
    // Envoy's 10 %: the returning endpoint gets enough calls from the start to be judged.
    minWeightShare: 0.1,
  },
};

/** Outlier detection after defaults and validation; a rule that is off has its threshold at 0. */
export type ResolvedOutlierDetection = Required<OutlierDetectionOptions>;
export type ResolvedHealthCheck<T> = Required<HealthCheckOptions<T>>;
export type ResolvedSlowStart = Required<SlowStartOptions>;

/** The settings a group runs on, after defaults and validation. */
export interface ResolvedFailoverOptions<T> {
  name: string;
  endpoints: ReadonlyArray<Required<EndpointSpec<T>>>;
  strategy: FailoverStrategy;
  overprovisioningFactor: number;
  panicThreshold: number;
  /** undefined when passive health is off. */
  outlierDetection: ResolvedOutlierDetection | undefined;
  /** undefined when no checks run. */
  healthCheck: ResolvedHealthCheck<T> | undefined;
  /** undefined when slow start is off. */
  slowStart: ResolvedSlowStart | undefined;
  classify: (error: unknown) => CallOutcome;
  latencyDecayMs: number;
  historySize: number;
  clock: Clock;
  random: () => number;
}

export const FAILOVER_STRATEGIES: readonly FailoverStrategy[] = ['priority', 'p2c', 'roundRobin', 'weighted'];

const where = 'failoverGroup';

function share(option: string, value: unknown, exclusiveZero = false): number {
  checkNumber(where, option, value as number, 0, 1, exclusiveZero);
  return value as number;
}

function positiveMs(option: string, value: unknown): number {
  checkNumber(where, option, value as number, 0, Infinity, true);
  return value as number;
}

function count(option: string, value: unknown, min: number): number {
  checkInteger(where, option, value as number, min);
  return value as number;
}

function resolveEndpoints<T>(endpoints: unknown): Array<Required<EndpointSpec<T>>> {
  checkArray(where, 'endpoints', endpoints, 1, 'of { name, target }');
  const seen = new Set<string>();
  return endpoints.map((spec: unknown, i) => {
    checkObject(where, `endpoints[${i}]`, spec, "like { name: 'api1', target: 'https://api1.example.com' }");
    const e = spec as EndpointSpec<T>;
    checkNonEmptyString(where, `endpoints[${i}].name`, e.name, true);
    if (seen.has(e.name)) throw new RangeError(`${where}: endpoints[${i}].name must be unique in the group, got "${e.name}" twice`);
    seen.add(e.name);
    const priority = e.priority ?? 0;
    checkInteger(where, `endpoints[${i}].priority`, priority, 0);
    const weight = e.weight ?? 1;
    checkNumber(where, `endpoints[${i}].weight`, weight, 0, Infinity, true);
    return { name: e.name, target: e.target, priority, weight };
  });
}

function resolveOutlierDetection(options: OutlierDetectionOptions | false | undefined): ResolvedOutlierDetection | undefined {
  if (options === false) return undefined;
  const given = options ?? {};
  checkObject(where, 'outlierDetection', given, 'or false');
  const o = { ...FAILOVER_GROUP_DEFAULTS.outlierDetection, ...dropUndefined(given) };
  const p = (option: keyof OutlierDetectionOptions): string => `outlierDetection.${option}`;
  const resolved: ResolvedOutlierDetection = {
    intervalMs: positiveMs(p('intervalMs'), o.intervalMs),
    consecutiveFailures: count(p('consecutiveFailures'), o.consecutiveFailures, 0),
    consecutiveGatewayFailures: count(p('consecutiveGatewayFailures'), o.consecutiveGatewayFailures, 0),
    failurePercentage: share(p('failurePercentage'), o.failurePercentage),
    failurePercentageMinimumCalls: count(p('failurePercentageMinimumCalls'), o.failurePercentageMinimumCalls, 1),
    failurePercentageMinimumEndpoints: count(p('failurePercentageMinimumEndpoints'), o.failurePercentageMinimumEndpoints, 1),
    successRateStdevFactor: (checkNumber(where, p('successRateStdevFactor'), o.successRateStdevFactor, 0), o.successRateStdevFactor),
    successRateMinimumCalls: count(p('successRateMinimumCalls'), o.successRateMinimumCalls, 1),
    successRateMinimumEndpoints: count(p('successRateMinimumEndpoints'), o.successRateMinimumEndpoints, 2),
    baseEjectionMs: positiveMs(p('baseEjectionMs'), o.baseEjectionMs),
    maxEjectionMs: positiveMs(p('maxEjectionMs'), o.maxEjectionMs),
    maxEjectionShare: share(p('maxEjectionShare'), o.maxEjectionShare),
    maxEjectionJitterMs: (checkNumber(where, p('maxEjectionJitterMs'), o.maxEjectionJitterMs, 0), o.maxEjectionJitterMs),
    unejectOnHealthCheck: (checkBoolean(where, p('unejectOnHealthCheck'), o.unejectOnHealthCheck), o.unejectOnHealthCheck),
  };
  if (resolved.maxEjectionMs < resolved.baseEjectionMs) {
    throw new RangeError(`${where}: outlierDetection.maxEjectionMs must be >= outlierDetection.baseEjectionMs (${resolved.baseEjectionMs}), got ${resolved.maxEjectionMs}`);
  }
  return resolved;
}

function resolveHealthCheck<T>(options: HealthCheckOptions<T> | undefined): ResolvedHealthCheck<T> | undefined {
  if (options === undefined) return undefined;
  checkObject(where, 'healthCheck', options, 'like { check: async (target) => true }');
  checkFunction(where, 'healthCheck.check', options.check);
  const h = { ...FAILOVER_GROUP_DEFAULTS.healthCheck, ...dropUndefined(options) };
  return {
    check: options.check,
    intervalMs: positiveMs('healthCheck.intervalMs', h.intervalMs),
    jitterShare: share('healthCheck.jitterShare', h.jitterShare),
    timeoutMs: positiveMs('healthCheck.timeoutMs', h.timeoutMs),
    healthyThreshold: count('healthCheck.healthyThreshold', h.healthyThreshold, 1),
    unhealthyThreshold: count('healthCheck.unhealthyThreshold', h.unhealthyThreshold, 1),
  };
}

function resolveSlowStart(options: SlowStartOptions | false | undefined): ResolvedSlowStart | undefined {
  if (options === false) return undefined;
  const given = options ?? {};
  checkObject(where, 'slowStart', given, 'or false');
  const s = { ...FAILOVER_GROUP_DEFAULTS.slowStart, ...dropUndefined(given) };
  return {
    windowMs: positiveMs('slowStart.windowMs', s.windowMs),
    aggression: (checkNumber(where, 'slowStart.aggression', s.aggression, 0, Infinity, true), s.aggression),
    minWeightShare: share('slowStart.minWeightShare', s.minWeightShare),
  };
}

/** An option given as undefined takes its default, as if it were absent. */
function dropUndefined<O extends object>(options: O): Partial<O> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<O>;
}

/** Applies the defaults and checks every option, naming the option and the value on bad input. */
export function resolveFailoverOptions<T>(options: FailoverGroupOptions<T>): ResolvedFailoverOptions<T> {
  checkObject(where, 'options', options);
  const d = FAILOVER_GROUP_DEFAULTS;
  checkNonEmptyString(where, 'name', options.name, true);
  const strategy = options.strategy ?? d.strategy;
  checkOneOf(where, 'strategy', strategy, FAILOVER_STRATEGIES);
  const overprovisioningFactor = options.overprovisioningFactor ?? d.overprovisioningFactor;
  checkNumber(where, 'overprovisioningFactor', overprovisioningFactor, 1);
  const classify = options.classify ?? classifyOutcome;
  checkFunction(where, 'classify', classify);
  const clock = options.clock ?? systemClock;
  checkShape(where, 'clock', clock, 'a Clock', ['now']);
  const random = options.random ?? Math.random;
  checkFunction(where, 'random', random);
  return {
    name: options.name,
    endpoints: resolveEndpoints<T>(options.endpoints),
    strategy,
    overprovisioningFactor,
    panicThreshold: share('panicThreshold', options.panicThreshold ?? d.panicThreshold),
    outlierDetection: resolveOutlierDetection(options.outlierDetection),
    healthCheck: resolveHealthCheck(options.healthCheck),
    slowStart: resolveSlowStart(options.slowStart),
    classify,
    latencyDecayMs: positiveMs('latencyDecayMs', options.latencyDecayMs ?? d.latencyDecayMs),
    historySize: count('historySize', options.historySize ?? d.historySize, 1),
    clock,
    random,
  };
}
