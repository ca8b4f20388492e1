/**
 * `bulwark/failover`: failover groups of endpoints with priorities and weights, routing strategies
 * (priority with overprovisioning, p2c, round robin, weighted), outlier detection, active health
 * checks, slow start, panic mode and manual control with a history.
 */
export { failoverGroup } from './failover-group.js';
export { NoEndpointError } from './errors.js';
export { classifyOutcome } from './classify.js';
export { priorityLoads, type LevelCount, type PriorityLoads } from './priority-load.js';
export {
  FAILOVER_GROUP_DEFAULTS,
  FAILOVER_STRATEGIES,
  resolveFailoverOptions,
  type FailoverGroupOptions,
  type OutlierDetectionOptions,
  type HealthCheckOptions,
  type SlowStartOptions,
  type ResolvedFailoverOptions,
  type ResolvedOutlierDetection,
  type ResolvedHealthCheck,
  type ResolvedSlowStart,
} from './options.js';
export { postgresReplicaGroup, POSTGRES_REPLICA_GROUP_DEFAULTS, type PostgresReplicaGroup, type PostgresReplicaGroupOptions } from './postgres-replicas.js';
export type * from './types.js';
export { regionLease, RegionLease, type RegionRole, type RegionChange, type RegionChangeReason, type RegionLeaseEvents, type RegionStatus, type RegionReleaseResult } from './region-lease.js';
export { REGION_LEASE_DEFAULTS, type RegionLeaseOptions, type RegionGate } from './region-lease-options.js';
export { memoryRegionLeaseStore } from './region-lease-memory.js';
