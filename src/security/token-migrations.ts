/** The security area's tables for authentication: API tokens and dashboard sessions. */
import type { Migration } from '../storage/types.js';

/** API tokens: only a slow hash of the secret is kept, with its salt and parameters; the id is the token's lookup prefix. */
export const tokensMigration: Migration = {
  id: 'security-001-tokens',
  up: `CREATE TABLE IF NOT EXISTS security_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  hash TEXT NOT NULL,
  salt TEXT NOT NULL,
  params TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  revoked_at BIGINT
)`,
};

/** Dashboard sessions: the id is kept only as its HMAC; each session belongs to the token that signed in. */
export const sessionsMigration: Migration = {
  id: 'security-002-sessions',
  up: `CREATE TABLE IF NOT EXISTS security_sessions (
  id_hash TEXT PRIMARY KEY,
  token_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS security_sessions_token ON security_sessions (token_id)`,
};

export const authMigrations: readonly Migration[] = [tokensMigration, sessionsMigration];
