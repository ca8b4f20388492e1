/**
 * PostgreSQL replicas as metrics (names in docs/metrics.md):
 *
 *   bulwark_postgres_replica_lag_seconds{host}            a standby's lag as last measured; absent while unknown
 *   bulwark_postgres_replica_state{host,state}            1 for the current condition: caught-up | lagging | primary | down | unchecked
 *   bulwark_postgres_primary_fallback_reads_total         stale-tolerant reads the primary answered, no replica qualifying
 *
 * `host` is `host:port`, never a URL (which may carry a password). Every host of the cluster has a
 * state series, the primary's included (`primary`): any of them may be the primary after a failover.
 *
 * The lag is fresh on every scrape, stale-tolerant reads or not: a scrape measures again each host
 * whose last measurement is `lagCheckIntervalMs` old (the storage's `refreshHosts`), waiting at most
 * `measureTimeoutMs`; a host that fails to answer shows as `down`, and the scrape goes on.
 * Structurally typed, so observe/ imports nothing from storage/.
 */
import type { Unsubscribe } from '../core/events.js';
import { withDefaults } from '../core/options.js';
import { checkInteger } from '../core/option-checks.js';
import { Metrics, postgresReplicaStates } from './metrics.js';

/** A replicated PostgreSQL storage as the metrics read it (`replicatedPostgresStorage()` fits). */
export interface PostgresReplicasLike {
  refreshHosts(options?: { timeoutMs?: number }): Promise<ReadonlyArray<{ name: string; condition: string; lagMs?: number | undefined }>>;
  readonly primaryFallbackReads: number;
}

export interface PostgresReplicaMetricsOptions {
  /** Longest a scrape waits for the hosts' lag measurements. */
  measureTimeoutMs?: number;
}

export const POSTGRES_REPLICA_METRICS_DEFAULTS = {
  measureTimeoutMs: 2_000, // well inside Prometheus' 10 s scrape timeout, yet above a replica's 1 s connection timeout
} satisfies Required<PostgresReplicaMetricsOptions>;

/** Binds the storage's replica metrics until the returned function is called (its series are removed then). */
export function observePostgresReplicas(metrics: Metrics, storage: PostgresReplicasLike, options: PostgresReplicaMetricsOptions = {}): Unsubscribe {
  const o = withDefaults(POSTGRES_REPLICA_METRICS_DEFAULTS, options);
  checkInteger('observePostgresReplicas', 'measureTimeoutMs', o.measureTimeoutMs, 1);
  const seen = new Set<string>();
  let counted = storage.primaryFallbackReads;
  metrics.postgresPrimaryFallbackReads.inc(0);
  let bound = true;

  const off = metrics.onScrapeAsync(async () => {
    let hosts: Awaited<ReturnType<PostgresReplicasLike['refreshHosts']>>;
    try {
      hosts = await storage.refreshHosts({ timeoutMs: o.measureTimeoutMs });
    } catch {
      return; // refreshHosts does not reject; should it, the last values stand rather than the scrape failing
    }
    if (!bound) return;
    for (const h of hosts) {
      const host = metrics.label('host', h.name);
      seen.add(host);
      Metrics.setState(metrics.postgresReplicaState, { host }, 'state', postgresReplicaStates, h.condition);
      // Only a standby that said its lag has one; a stale figure must not stand for a host now down or primary.
      if (h.lagMs !== undefined && h.condition !== 'down' && h.condition !== 'primary') metrics.postgresReplicaLag.set({ host }, h.lagMs / 1_000);
      else metrics.postgresReplicaLag.remove({ host });
    }
    const total = storage.primaryFallbackReads;
    if (total > counted) metrics.postgresPrimaryFallbackReads.inc(total - counted);
    counted = total;
  });
  return () => {
    bound = false;
    off();
    for (const host of seen) {
      for (const state of postgresReplicaStates) metrics.postgresReplicaState.remove({ host, state });
      metrics.postgresReplicaLag.remove({ host });
    }
    metrics.postgresPrimaryFallbackReads.reset();
  };
}
