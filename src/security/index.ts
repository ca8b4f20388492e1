/** `bulwark/security`: the service's principals, its key, and the tamper-evident audit log. */
export { type Principal, type PrincipalKind, SYSTEM_PRINCIPAL } from './principal.js';
export { type KeyPurpose, type ServerKey, type ServerKeyOptions, SERVER_KEY_DEFAULTS, loadServerKey } from './server-key.js';
export {
  auditLog,
  auditMigrations,
  AUDIT_LOG_DEFAULTS,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditFilter,
  type AuditLog,
  type AuditLogEvents,
  type AuditLogOptions,
  type AuditRecord,
  type AuditTag,
  type ChainBreak,
  type ChainBreakKind,
  type ChainReport,
  type ChainedEntry,
} from './audit-log.js';
export { GENESIS_HASH, canonicalEntry, entryHash } from './audit-chain.js';
