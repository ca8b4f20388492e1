/** `bulwark/backup`: snapshots of state, configuration, data and SQLite databases; verified restore; retention. */
export {
  backups,
  BACKUPS_DEFAULTS,
  CREATE_DEFAULTS,
  type Backups,
  type BackupsOptions,
  type BackupEvents,
  type CreateOptions,
  type ListFilter,
  type PruneOptions,
  type PruneResult,
} from './backups.js';
export {
  type BackupManifest,
  type BackupFileEntry,
  type BackupType,
  type BackupStatus,
  type SourceKind,
  backupTypes,
  kindsOfType,
  parseManifest,
  readManifest,
  MANIFEST_FILE,
} from './manifest.js';
export { type StateProvider, type BackupProgress } from './provider.js';
export { type RestoreOptions, type RestoreResult, RESTORE_DEFAULTS } from './restore.js';
export { type RecoveryResult, type RestoreJournal, type JournalStep, JOURNAL_FILE } from './restore-journal.js';
export { type RetentionRule, type RetentionDecision, applyRetention, RETENTION_DEFAULTS } from './retention.js';
export {
  backupFreshnessCheck,
  FRESHNESS_DEFAULTS,
  type FreshnessOptions,
  type FreshnessCheckOptions,
  type FreshnessResult,
  type FreshnessStatus,
  type LatestBackupSource,
} from './freshness.js';
export {
  BackupError,
  BackupCorruptError,
  RestoreFailedError,
  type BackupErrorCode,
  type VerificationProblem,
} from './errors.js';
export { backupSqlite, restoreSqlite } from './sqlite-copy.js';
export { storageTablesProvider, SERVICE_TABLES } from './storage-tables.js';
export { BackupSchedule, backupSchedule, BACKUP_SCHEDULE_DEFAULTS, SCHEDULED_TAG, type BackupScheduleOptions, type BackupScheduleEvents } from './schedule.js';
