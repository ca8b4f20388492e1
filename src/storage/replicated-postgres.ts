/**
 * PostgreSQL with replicas: one storage over a cluster's hosts (a primary and hot standbys).
 * - Writes, transactions and the storage's own reads (read-your-writes) go to the primary: the host
 *   not in recovery, found at open and again when it moves (primary-writer.ts).
 * - `replicaReads` serves reads that may be a little stale from a standby within `maxReplicaLagMs`,
 *   else from the primary (replica-reads.ts); repositories opt in through `staleReads(storage)`.
 *
 * Every host given may be the primary and every other one a replica: after a failover the promoted
 * standby takes the writes and, once it rejoins as a standby, the old primary takes reads again,
 * with no change of configuration.
 */
import { checkArray, checkFunction, checkInteger, checkNonEmptyString, checkNumber } from '../core/option-checks.js';
import { Emitter, type EventSource } from '../core/events.js';
import { withDefaults } from '../core/options.js';
import { postgresHostNames } from './postgres-host.js';
import { POSTGRES_DEFAULTS, postgresStorage, type PostgresStorage, type PostgresStorageOptions } from './postgres.js';
import type { PostgresHost } from './primary-discovery.js';
import { primaryWriter, type PrimaryWriterEvents } from './primary-writer.js';
import { roundRobinChooser, type ReplicaChooserFactory } from './replica-chooser.js';
import { replicaReadRouter, type ReplicaHostStatus, type ReplicaReadEvents } from './replica-reads.js';
import type { ReadQueryable } from './types.js';

export interface ReplicatedPostgresOptions extends PostgresStorageOptions {
  /** The cluster's other hosts (`postgres://` URLs); with `connectionString`, any of them may be the primary. */
  replicas?: readonly string[];
  /** A replica further behind than this does not answer stale-tolerant reads (the primary does). */
  maxReplicaLagMs?: number;
  /** A host's lag is measured again when the last measurement is this old (on the next read). */
  lagCheckIntervalMs?: number;
  /** A replica's connection that takes longer fails, and the read goes elsewhere. */
  replicaConnectionTimeoutMs?: number;
  /** Rounds of asking every host for the primary before a write gives up (a promotion takes seconds). */
  discoveryAttempts?: number;
  /** Wait between those rounds. */
  discoveryIntervalMs?: number;
  /** Chooses among the caught-up replicas; a failover group fits (`postgresReplicaChooser()` in bulwark/failover). */
  chooser?: ReplicaChooserFactory;
}

export const REPLICATED_POSTGRES_DEFAULTS = {
  ...POSTGRES_DEFAULTS,
  replicas: [] as readonly string[], // a single host: every read on the primary
  maxReplicaLagMs: 1_000, // a list a person reads is still current a second later; older, an operator may act on a stale view
  lagCheckIntervalMs: 1_000, // one cheap query per host per second, whatever the read rate
  replicaConnectionTimeoutMs: 1_000, // a read waits at most a second on an unreachable replica before the primary answers
  discoveryAttempts: 5, // with discoveryIntervalMs: rides out a promotion of up to about 4 s
  discoveryIntervalMs: 1_000, // asks each host once a second while none is primary
  chooser: roundRobinChooser, // each replica in turn; a failover group adds outlier ejection and latency-aware choice
} satisfies Required<ReplicatedPostgresOptions>;

export type ReplicatedPostgresEvents = ReplicaReadEvents & PrimaryWriterEvents;

export interface ReplicatedPostgresStorage extends PostgresStorage, EventSource<ReplicatedPostgresEvents> {
  /** Stale-tolerant reads: a replica within `maxReplicaLagMs`, else the primary. Writes through it are refused. */
  readonly replicaReads: ReadQueryable;
  /** The host written to now (`host:port`). */
  readonly primary: string;
  /** Every host as replica reads see it: its condition, lag and reads answered. */
  hosts(): ReplicaHostStatus[];
  /**
   * `hosts()` with fresh lags: every host measured more than `lagCheckIntervalMs` ago (or never) is
   * measured now, all at once, as a read would. Never rejects: a host whose measurement fails, or does
   * not answer within `timeoutMs` when given, is `down`. For metrics and health, which must see a
   * replica falling behind even when no stale-tolerant read comes to measure it.
   */
  refreshHosts(options?: { timeoutMs?: number }): Promise<ReplicaHostStatus[]>;
  /** Stale-tolerant reads the primary answered because no replica qualified. */
  readonly primaryFallbackReads: number;
  /** Asks every host again which is the primary and writes there from now on; resolves with its name. */
  rediscoverPrimary(): Promise<string>;
}

function checkOptions(o: Required<ReplicatedPostgresOptions>): void {
  const where = 'replicatedPostgresStorage';
  checkArray(where, 'replicas', o.replicas, 0, 'of connection strings');
  o.replicas.forEach((r, i) => checkNonEmptyString(where, `replicas[${i}]`, r));
  if (o.connectionString === '') throw new TypeError(`${where}: connectionString must be given with replicas (every host is named by its URL)`);
  const all = [o.connectionString, ...o.replicas];
  const twice = all.find((cs, i) => all.indexOf(cs) !== i);
  if (twice !== undefined) throw new RangeError(`${where}: replicas must not repeat a host (connectionString or another replica), got one twice`);
  checkNumber(where, 'maxReplicaLagMs', o.maxReplicaLagMs, 0);
  checkNumber(where, 'lagCheckIntervalMs', o.lagCheckIntervalMs, 0);
  checkInteger(where, 'replicaConnectionTimeoutMs', o.replicaConnectionTimeoutMs, 0);
  checkInteger(where, 'discoveryAttempts', o.discoveryAttempts, 1);
  checkNumber(where, 'discoveryIntervalMs', o.discoveryIntervalMs, 0);
  checkFunction(where, 'chooser', o.chooser);
}

/** Opens the writer on the primary (migrating it) and a read-only pool per host. */
export async function replicatedPostgresStorage(options: ReplicatedPostgresOptions = {}): Promise<ReplicatedPostgresStorage> {
  const o = withDefaults(REPLICATED_POSTGRES_DEFAULTS, options);
  checkOptions(o);
  const { replicas, maxReplicaLagMs, lagCheckIntervalMs, replicaConnectionTimeoutMs, discoveryAttempts, discoveryIntervalMs, chooser, ...single } = o;
  const urls = [o.connectionString, ...replicas];
  const names = postgresHostNames(urls);
  const hosts: PostgresHost[] = urls.map((connectionString, i) => ({ name: names[i] as string, connectionString }));
  const events = new Emitter<ReplicatedPostgresEvents>();

  const writer = await primaryWriter({
    hosts,
    open: (host, first) => postgresStorage({ ...single, connectionString: host.connectionString, migrate: first && o.migrate }),
    discovery: { connectionTimeoutMs: replicaConnectionTimeoutMs, ssl: o.ssl, logger: o.logger },
    discoveryAttempts,
    discoveryIntervalMs,
    clock: o.clock,
    events,
  });
  const readPools: PostgresStorage[] = [];
  try {
    for (const host of hosts) {
      readPools.push(
        await postgresStorage({
          ...single,
          connectionString: host.connectionString,
          readOnly: true,
          migrate: false,
          min: 0,
          connectionTimeoutMs: replicaConnectionTimeoutMs,
          applicationName: `${o.applicationName}-reads`,
        }),
      );
    }
  } catch (error) {
    await Promise.all([writer.close(), ...readPools.map((p) => p.close())]);
    throw error;
  }
  const router = replicaReadRouter({
    hosts: hosts.map((h, i) => ({ name: h.name, db: readPools[i] as PostgresStorage })),
    chooser: chooser(hosts.map((h) => ({ name: h.name, target: h.connectionString }))),
    primary: () => writer.host,
    maxReplicaLagMs,
    lagCheckIntervalMs,
    clock: o.clock,
    events,
  });

  let closed = false;
  const storage: ReplicatedPostgresStorage = {
    dialect: 'postgres',
    get schema() {
      return writer.schema;
    },
    get pool() {
      return writer.pool;
    },
    get primary() {
      return writer.host;
    },
    run: (sql, params) => writer.run(sql, params),
    all: (sql, params) => writer.all(sql, params),
    one: (sql, params) => writer.one(sql, params),
    exec: (script) => writer.exec(script),
    transaction: (work) => writer.transaction(work),
    migrate: (migrations) => writer.migrate(migrations),
    ping: () => writer.ping(),
    stats: () => writer.stats(),
    replicaReads: router.reads,
    hosts: () => router.hosts(),
    refreshHosts: (options) => router.refresh(options?.timeoutMs),
    get primaryFallbackReads() {
      return router.primaryReads;
    },
    rediscoverPrimary: () => writer.rediscover(),
    on: (name, listener) => events.on(name, listener),
    async close() {
      if (closed) return;
      closed = true;
      router.close();
      await Promise.all([writer.close(), ...readPools.map((p) => p.close())]);
    },
  };
  return storage;
}
