/**
 * `bulwark/failover`: failover groups of endpoints with priorities and weights, routing strategies
 * (priority with overprovisioning, p2c, round robin, weighted), outlier detection, active health
 * checks, slow start, panic mode and manual control with a history.
 */
export { failoverGroup } from './failover-group.js';
export type { FailoverGroupOptions, OutlierDetectionOptions, HealthCheckOptions, SlowStartOptions } from './options.js';
export type * from './types.js';
