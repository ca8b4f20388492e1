/**
 * The stores a configuration names: its database (`storage.kind`: SQLite in `dataDir`, or
 * PostgreSQL at `storage.postgresUrl` in `storage.postgresSchema`, with replicas at
 * `storage.postgresReplicaUrls` chosen by a failover group), migrated at start, and its
 * Redis (`storage.redisUrl`), which must answer at start. Either failing stops the start with the
 * key that named it.
 */
import type * as ioredis from 'ioredis';
import type { Redis } from 'ioredis';
import { loadPeer } from '../core/peer.js';
import type { BulwarkConfig } from '../config/schema.js';
import { sanitizeText } from '../core/secrets.js';
import { alertHistoryMigration } from '../observe/alerts/storage-history.js';
import { auditMigrations } from '../security/audit-rows.js';
import { secretsMigration } from '../security/secret-store.js';
import { tokenAddressesMigration } from '../security/token-addresses.js';
import { authMigrations } from '../security/token-migrations.js';
import { storageMigrations } from '../storage/migrations/schema.js';
import { postgresStorage } from '../storage/postgres.js';
import { replicatedPostgresStorage, type ReplicatedPostgresStorage } from '../storage/replicated-postgres.js';
import { postgresReplicaGroup } from '../failover/postgres-replicas.js';
import type { FailoverGroup } from '../failover/types.js';
import { sqliteStorage } from '../storage/sqlite.js';
import type { Migration, Storage } from '../storage/types.js';
import { analyticsBucketsMigration } from '../analytics/bucket-store.js';
import { analyticsAnomalyProfileMigration } from '../analytics/anomaly/profile-store.js';
import { chaosRunsMigration } from '../chaos/experiments/run-store.js';
import { analyticsIncidentsMigration, analyticsObservationMigration } from '../analytics/incident-log.js';
import { regionLeasesMigration } from '../storage/repos/region-leases.js';

/**
 * Every table a service's database may hold: applied before a PostgreSQL restore, so a table the
 * backup carries exists even in a database that never ran the part that creates it.
 */
export const SERVICE_MIGRATIONS: readonly Migration[] = [
  ...storageMigrations,
  alertHistoryMigration,
  secretsMigration,
  ...authMigrations,
  ...auditMigrations,
  tokenAddressesMigration,
  analyticsBucketsMigration,
  analyticsIncidentsMigration,
  analyticsObservationMigration,
  analyticsAnomalyProfileMigration,
  chaosRunsMigration,
  regionLeasesMigration,
];

export const CONFIGURED_STORES_DEFAULTS = {
  redisConnectTimeoutMs: 5_000, // an unreachable Redis fails the start quickly instead of hanging it
} as const;

export interface ConfiguredStores {
  storage: Storage;
  /** The SQLite database file (backed up as a file); undefined on PostgreSQL. */
  sqlitePath: string | undefined;
  redis: Redis | undefined;
  /** The failover group choosing among the PostgreSQL replicas (`storage.postgresReplicaUrls`); undefined without them. */
  replicaGroup: FailoverGroup<string> | undefined;
  /** The same storage when it has replicas: their lag and condition (`hosts()`, `refreshHosts()`); undefined without them. */
  replicated: ReplicatedPostgresStorage | undefined;
  close(): Promise<void>;
}

/** Where a configuration's fleet lives in Redis: under the deployment's prefix, so deployments sharing a Redis have fleets of their own. */
export function fleetPrefixOf(config: BulwarkConfig): string {
  return `${config.storage.redisPrefix}fleet:`;
}

const why = (error: unknown): string => sanitizeText(error instanceof Error ? error.message : String(error));

export async function openConfiguredStores(config: BulwarkConfig): Promise<ConfiguredStores> {
  // Every migration the service runs, applied before anything reads: a fresh database works at once.
  // The region lease's table too, whether or not `region:` is set (a bot of the region reads it, a
  // region added later finds it); on SQLite it stays empty, and `config check` lists nothing pending that start-up does not apply.
  const migrations = [...storageMigrations, alertHistoryMigration, secretsMigration, regionLeasesMigration];
  let storage: Storage;
  let sqlitePath: string | undefined;
  let replicaGroup: FailoverGroup<string> | undefined;
  let replicated: ReplicatedPostgresStorage | undefined;
  if (config.storage.kind === 'postgres') {
    const { postgresUrl, postgresSchema, postgresReplicaUrls, postgresMaxReplicaLagMs } = config.storage;
    const common = { connectionString: postgresUrl, ...(postgresSchema ? { schema: postgresSchema } : {}), migrations };
    try {
      if (postgresReplicaUrls) {
        const replicas = postgresReplicaGroup({ name: 'postgres' });
        replicated = await replicatedPostgresStorage({ ...common, replicas: postgresReplicaUrls, ...(postgresMaxReplicaLagMs !== undefined ? { maxReplicaLagMs: postgresMaxReplicaLagMs } : {}), chooser: replicas.chooser });
        storage = replicated;
        replicaGroup = replicas.group;
      } else {
        storage = await postgresStorage(common);
      }
    } catch (error) {
      // With replicas the primary is whichever host answers as one: the failure may be any of them.
      throw new Error(`${postgresReplicaUrls ? 'storage.postgresUrl, storage.postgresReplicaUrls' : 'storage.postgresUrl'}: PostgreSQL cannot be used: ${why(error)}`);
    }
  } else {
    const sqlite = await sqliteStorage({ dataDir: config.dataDir, migrations, ...(config.storage.sqliteSynchronous ? { synchronous: config.storage.sqliteSynchronous } : {}) });
    storage = sqlite;
    sqlitePath = sqlite.path;
  }
  let redis: Redis | undefined;
  if (config.storage.redisUrl) {
    redis = new (loadPeer<typeof ioredis>('ioredis', 'storage.redisUrl').Redis)(config.storage.redisUrl, { lazyConnect: true, connectTimeout: CONFIGURED_STORES_DEFAULTS.redisConnectTimeoutMs, maxRetriesPerRequest: 1 });
    // Reconnects on its own after start; the health check shows an outage meanwhile.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      await storage.close();
      throw new Error(`storage.redisUrl: Redis does not answer: ${why(error)}`);
    }
  }
  return {
    storage,
    sqlitePath,
    redis,
    replicaGroup,
    replicated,
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
      await storage.close();
    },
  };
}
