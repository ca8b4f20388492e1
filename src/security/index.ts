/** `bulwark/security`: the service's principals, its key, the tamper-evident audit log, API tokens, sessions and roles. */
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
export { PERMISSIONS, ALL_PERMISSIONS, type Permission, isPermission, isReadPermission } from './permissions.js';
export { BUILT_IN_ROLES, type BuiltInRole, type RoleSet, type RoleSpec, type RoleIssue, resolveRoles, roleIssues } from './roles.js';
export { tokenStore, TOKEN_DEFAULTS, TOKEN_PREFIX, isActive, type TokenStore, type TokenStoreOptions, type TokenRecord, type CreatedToken } from './tokens.js';
export { sessionStore, SESSION_DEFAULTS, type SessionStore, type SessionStoreOptions, type OpenedSession, type VerifiedSession } from './sessions.js';
export { authMigrations, tokensMigration, sessionsMigration } from './token-migrations.js';
