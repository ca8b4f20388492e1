/** `bulwark/security`: the service's principals, its key, the tamper-evident audit log, encrypted secrets, API tokens, sessions and roles. */
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
export { type EnvelopeOptions, type SealedSecret, type SecretErrorCode, type WrappedKey, SECRET_NAME, SecretError, addCurrentWrap, checkSecretName, keepCurrentWrapOnly, openSecret, sealSecret } from './envelope.js';
export { type Kek, type Keyring, type LoadKeyringOptions, KEK_BYTES, KEK_DEFAULTS, createKekFile, kekFileOf, kekId, keyring, loadKeyring, parseKek, readKekFile } from './kek.js';
export {
  type RotationProgress,
  type RotationReport,
  type SecretStore,
  type SecretStoreOptions,
  type SecretSummary,
  SECRET_STORE_DEFAULTS,
  readSecret,
  secretStore,
  secretsMigration,
} from './secret-store.js';
export { Lockout, lockout, LOCKOUT_DEFAULTS, type ActiveLockout, type FailureKind, type LockoutEvents, type LockoutOptions, type LockoutStatus } from './lockout.js';
export { ThreatDetector, threatDetector, THREATS_DEFAULTS, type RecordedFinding, type ThreatDetectorEvents, type ThreatDetectorOptions, type ThreatsConfig } from './threats.js';
export { threatRuleNames, type ThreatFinding, type ThreatRuleName, type ThreatSeverity, type ChangeWindow, STATE_CHANGE_BURST_DEFAULTS, KILL_SWITCH_RELEASE_DEFAULTS, CHANGE_WINDOW_DEFAULTS } from './threat-rules.js';
export { ORDER_RATE_DEFAULTS, type OrderRateOptions } from './order-rate.js';
export { NEW_TOKEN_ADDRESS_DEFAULTS, memoryTokenAddresses, storageTokenAddresses, tokenAddressesMigration, type TokenAddressStore } from './token-addresses.js';
