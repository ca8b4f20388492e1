/**
 * An alert rule over the PostgreSQL replica metrics: a standby further behind the primary than the
 * lag limit (or whose lag cannot be told) for a minute. Stale-tolerant reads then all go to the
 * primary, which carries the load the replicas were there to take. It carries the host as a label,
 * exports to Prometheus as it is (toPrometheusRules) and is added by the ops service when its
 * storage has replicas (`storage.postgresReplicaUrls`).
 *
 * The rule reads the state gauge (`lagging`), not the lag against a threshold: the storage decides
 * with the very limit it routes by, so the alert and the routing never disagree.
 */
import type { AlertRuleInput } from './alerts/rule.js';
import { metricNames } from './metrics.js';

export interface PostgresReplicaAlertOptions {
  /** The limit the storage routes by (`storage.postgresMaxReplicaLagMs`), named in the description. */
  maxReplicaLagMs?: number;
}

export function postgresReplicaAlertRules(options: PostgresReplicaAlertOptions = {}): AlertRuleInput[] {
  const limit = options.maxReplicaLagMs === undefined ? 'the lag limit (storage.postgresMaxReplicaLagMs)' : `${options.maxReplicaLagMs} ms (storage.postgresMaxReplicaLagMs)`;
  return [
    {
      name: 'PostgresReplicaLagging',
      metric: metricNames.postgresReplicaState,
      match: { state: 'lagging' },
      by: ['host'],
      condition: '>=',
      threshold: 1,
      // A burst of writes, or the first commit after an idle spell, makes a standby lag for a moment; a minute of it is news.
      forMs: 60_000,
      severity: 'warning',
      description: `A PostgreSQL replica is further behind the primary than ${limit}, or its lag is unknown: stale-tolerant reads go to the primary instead (bulwark_postgres_replica_lag_seconds says how far; check replay on the standby and its WAL stream)`,
      labels: { area: 'storage' },
    },
  ];
}
