export type { Dialect, SqlValue, Row, RunResult, Queryable, ReadQueryable, UnitOfWork, Migration, MigrationResult, StorageStats, StorageLogger, StorageOpenOptions, Storage } from './types.js';
export { ValidationError, StorageClosedError, MigrationChangedError, NotFoundError, ConflictError, NoPrimaryError, type StorageErrorCode } from './errors.js';
export { validate } from './validate.js';
export { runMigrations, migrationSql, migrationChecksum } from './migrations/runner.js';
export { migrationStatus, type MigrationStatus } from './migrations/status.js';
export { storageMigrations, appliedWritesMigration, orderIntentsMigration, deadLettersMigration, deadLetterCountsMigration, operatorSettingsMigration } from './migrations/schema.js';
export {
  orderIntents,
  orderIntentStates,
  terminalOrderIntentStates,
  newOrderIntentSchema,
  type OrderIntent,
  type OrderIntentState,
  type NewOrderIntent,
  type OrderIntentRepo,
  type OrderIntentRepoOptions,
  type UpdateStateOptions,
  type ListOptions as OrderIntentListOptions,
} from './repos/order-intents.js';
export { sqliteStorage, SQLITE_DEFAULTS, type SqliteStorage, type SqliteStorageOptions } from './sqlite.js';
export { postgresStorage, POSTGRES_DEFAULTS, type PostgresStorage, type PostgresStorageOptions } from './postgres.js';
export {
  replicatedPostgresStorage,
  REPLICATED_POSTGRES_DEFAULTS,
  type ReplicatedPostgresStorage,
  type ReplicatedPostgresOptions,
  type ReplicatedPostgresEvents,
} from './replicated-postgres.js';
export type { ReplicaCondition, ReplicaStateChange, ReplicaHostStatus } from './replica-reads.js';
export type { PrimaryChange } from './primary-writer.js';
export { roundRobinChooser, type ReplicaChooser, type ReplicaChooserFactory, type ReplicaOutcome, type PickedReplica, type ReplicaSpec } from './replica-chooser.js';
export { measureReplicaLag, REPLICA_LAG_SQL, type ReplicaLag } from './replica-lag.js';
export { discoverPrimary } from './primary-discovery.js';
export { staleReads } from './stale-reads.js';
export { isConnectionError } from './connection-error.js';
export { wasNotApplied, mayRetryWrite } from './write-safety.js';
export {
  spooledWriter,
  SPOOLED_WRITER_DEFAULTS,
  defaultSpoolPath,
  type SpooledWriter,
  type SpooledWriterOptions,
  type WriteKind,
  type WriteOutcome,
  type SpoolEvents,
} from './spool.js';
export { operatorSettings, writeSetting, removeSetting, type OperatorSetting, type OperatorSettings } from './repos/operator-settings.js';
export { spooledOperatorSettings, operatorSettingKinds } from './repos/spooled-operator-settings.js';
export { lockDataDir, lockHolder, assertDataDirFree, isLockAlive, DataDirLockedError, DATA_DIR_LOCK_FILE, type DataDirLock, type LockOwner } from './data-dir-lock.js';
export { postgresRegionLeases, regionLeasesMigration, type RegionLeaseStore, type LeaseRecord, type LeaseReply } from './repos/region-leases.js';
