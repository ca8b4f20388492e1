/** failoverGroup's options: the type, the defaults (each with its reason) and validation. */
import type { Clock } from '../core/clock.js';
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
  /** Randomness for p2c, priority spill and check jitter; inject a seeded one in tests. */
  random?: () => number;
}
