/**
 * Authentication as `bulwark start` sets it up: the token and session stores on the service's
 * storage (their tables migrated), keys derived from the service key, the roles and settings of
 * `security.auth`, and in demo mode an admin token made at start (the previous demo token is
 * revoked: one link works at a time, as Jupyter's).
 */
import { loadServerKey } from '../security/server-key.js';
import { resolveRoles } from '../security/roles.js';
import { sessionStore } from '../security/sessions.js';
import { authMigrations } from '../security/token-migrations.js';
import { tokenStore } from '../security/tokens.js';
import type { SecurityConfig } from '../config/security-schema.js';
import type { Storage } from '../storage/types.js';
import type { AuthOptions } from './auth.js';

export const DEMO_TOKEN_NAME = 'demo';

export interface ServiceAuthOptions {
  storage: Storage;
  /** Where the service key lives unless `security.keyFile` or BULWARK_SECURITY_KEY says otherwise. */
  dataDir: string;
  security?: SecurityConfig;
  /** The server listens on loopback (loopback reads apply only then). */
  listensOnLoopback: boolean;
  /** Demo mode: authentication on, and an admin token made now. */
  demo: boolean;
  /** The server serves HTTPS: session cookies carry `Secure`. */
  secureCookies?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface ServiceAuth {
  auth: AuthOptions;
  /** Demo mode: the admin token made at start (for the dashboard link). */
  demoToken?: string;
  /** Whether authentication is on from the start (`enabled: true` or demo). */
  required: boolean;
  /** Whether any active token exists now. */
  hasTokens: boolean;
}

export async function serviceAuth(options: ServiceAuthOptions): Promise<ServiceAuth> {
  const settings = options.security?.auth ?? {};
  await options.storage.migrate(authMigrations);
  const key = loadServerKey({ dataDir: options.dataDir, ...(options.security?.keyFile ? { file: options.security.keyFile } : {}), ...(options.env ? { env: options.env } : {}) });
  const roles = resolveRoles(settings.roles ?? {});
  const tokens = tokenStore(options.storage, { roles, cacheKey: key.derive('token-pepper') });
  const sessions = sessionStore(options.storage, {
    key: key.derive('session'),
    tokens,
    ...(settings.sessionIdleMs !== undefined ? { idleMs: settings.sessionIdleMs } : {}),
    ...(settings.sessionMaxMs !== undefined ? { maxMs: settings.sessionMaxMs } : {}),
  });
  let demoToken: string | undefined;
  if (options.demo) {
    for (const record of await tokens.list()) if (record.name === DEMO_TOKEN_NAME && record.revokedAt === null) await tokens.revoke(record.id);
    demoToken = (await tokens.create({ name: DEMO_TOKEN_NAME, role: 'admin' })).token;
  }
  const required = options.demo || settings.enabled === true;
  return {
    auth: {
      tokens,
      sessions,
      roles,
      enabled: options.demo ? true : (settings.enabled ?? 'auto'),
      ...(settings.openMetrics !== undefined ? { openMetrics: settings.openMetrics } : {}),
      ...(settings.loopbackReads !== undefined ? { loopbackReads: settings.loopbackReads } : {}),
      listensOnLoopback: options.listensOnLoopback,
      secureCookies: options.secureCookies ?? false,
    },
    ...(demoToken !== undefined ? { demoToken } : {}),
    required,
    hasTokens: await tokens.anyActive(),
  };
}
