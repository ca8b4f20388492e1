/**
 * A failover group choosing among a PostgreSQL cluster's replicas for stale-tolerant reads.
 *
 * The storage layer sits below failover, so it names the little it needs (`ReplicaChooser` in
 * src/storage/replica-chooser.ts: `pick(exclude)` and `record(picked, outcome, latencyMs)`) and a
 * `FailoverGroup<string>` satisfies it as it is. The storage keeps what only it can know (each
 * host's lag and whether it is the primary); the group adds what groups do: latency-aware choice
 * (p2c), outlier ejection of a replica whose reads keep failing, slow start when it returns, and an
 * operator's drain or pin, all in the group's history, the API and the dashboard.
 *
 * Every host of the cluster is an endpoint (any of them may be a standby after a failover); the
 * storage excludes the primary and the lagging ones from each pick itself.
 *
 * ```ts
 * const replicas = postgresReplicaGroup({ name: 'orders-db' });
 * const storage = await replicatedPostgresStorage({ connectionString, replicas: [r1, r2], chooser: replicas.chooser });
 * replicas.group?.snapshot();
 * ```
 */
import type { ReplicaChooserFactory } from '../storage/replica-chooser.js';
import { withDefaults } from '../core/options.js';
import { failoverGroup } from './failover-group.js';
import type { FailoverGroupOptions } from './options.js';
import type { FailoverGroup } from './types.js';

export type PostgresReplicaGroupOptions = Partial<Omit<FailoverGroupOptions<string>, 'endpoints'>>;

export const POSTGRES_REPLICA_GROUP_DEFAULTS = {
  name: 'postgres-replicas', // one cluster per service; name it when there are several
  strategy: 'p2c', // replicas are peers: the least loaded, fastest one answers (active-active)
  // A read on a replica that fails is tried elsewhere and is not the caller's error: the group only
  // hears outcomes the storage has classified already (classifyReplicaReadError), never a thrown error.
} satisfies PostgresReplicaGroupOptions;

export interface PostgresReplicaGroup {
  /** Give it to `replicatedPostgresStorage({ chooser })`. */
  readonly chooser: ReplicaChooserFactory;
  /** The group, once the storage has opened with the chooser (undefined before). */
  readonly group: FailoverGroup<string> | undefined;
}

/** A chooser backed by a failover group over the storage's hosts (endpoints named `host:port`, their target the same name: no credentials in the group). */
export function postgresReplicaGroup(options: PostgresReplicaGroupOptions = {}): PostgresReplicaGroup {
  const o = withDefaults(POSTGRES_REPLICA_GROUP_DEFAULTS, options);
  let group: FailoverGroup<string> | undefined;
  return {
    chooser: (replicas) => {
      if (group) throw new Error(`postgresReplicaGroup "${o.name}": its chooser serves one storage; make a group per storage`);
      group = failoverGroup<string>({ ...o, endpoints: replicas.map((r) => ({ name: r.name, target: r.name })) });
      return group;
    },
    get group() {
      return group;
    },
  };
}
