/** What `bulwark token ...` runs (see token.ts); loaded only when one of its subcommands runs. */
import { type Clock, systemClock } from '../../core/clock.js';
import { authMigrations } from '../../security/token-migrations.js';
import { type RoleSet, resolveRoles } from '../../security/roles.js';
import { type TokenRecord, tokenStore } from '../../security/tokens.js';
import type { Storage } from '../../storage/types.js';
import { locateData, openDataStorage } from '../data-location.js';
import { table } from './colors.js';
import type { CreateTokenFlags, TokenCommandDeps, TokenFlags } from './token.js';

interface Opened {
  storage: Storage;
  roles: RoleSet;
}

/** The service's storage (created for `create` in a fresh data directory, refused otherwise) and its roles. */
async function open(flags: TokenFlags, create: boolean): Promise<Opened> {
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  let roles = resolveRoles();
  if (flags.config !== undefined) {
    const { loadConfig } = await import('../../config/loader.js');
    roles = resolveRoles(loadConfig({ file: flags.config }).config.security.auth.roles ?? {});
  }
  const storage = await openDataStorage(location, { create });
  try {
    await storage.migrate(authMigrations);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return { storage, roles };
}

const clockOf = (deps: TokenCommandDeps): Clock => (deps.now ? { now: deps.now, sleep: systemClock.sleep } : systemClock);

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function view(record: TokenRecord) {
  return { id: record.id, name: record.name, role: record.role, createdAt: iso(record.createdAt), expiresAt: record.expiresAt === null ? null : iso(record.expiresAt), lastUsedAt: record.lastUsedAt === null ? null : iso(record.lastUsedAt), revokedAt: record.revokedAt === null ? null : iso(record.revokedAt) };
}

export async function tokenCreate(flags: CreateTokenFlags, deps: TokenCommandDeps): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const clock = clockOf(deps);
  const now = clock.now();
  const { storage, roles } = await open(flags, true);
  try {
    const tokens = tokenStore(storage, { roles, clock });
    const name = flags.name ?? `${flags.role} ${new Date(now).toISOString().slice(0, 10)}`;
    const { token, record } = await tokens.create({ name, role: flags.role, expiresAt: flags.expires === undefined ? null : now + flags.expires });
    if (flags.json) stdout.write(`${JSON.stringify({ ...view(record), token }, null, 2)}\n`);
    else {
      stdout.write(`${token}\n`);
      (deps.stderr ?? process.stderr).write(`token ${record.id} "${record.name}" (${record.role}${record.expiresAt === null ? '' : `, expires ${iso(record.expiresAt)}`}): shown once, store it now\n`);
    }
  } finally {
    await storage.close();
  }
}

export async function tokenList(flags: TokenFlags, deps: TokenCommandDeps): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const { storage } = await open(flags, false);
  try {
    const records = await tokenStore(storage, { clock: clockOf(deps) }).list();
    if (flags.json) stdout.write(`${JSON.stringify(records.map(view), null, 2)}\n`);
    else if (records.length === 0) stdout.write('No tokens (bulwark token create --role admin makes one).\n');
    else {
      const rows = [['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED']];
      for (const r of records) rows.push([r.id, r.name, r.role, iso(r.createdAt), iso(r.expiresAt), iso(r.lastUsedAt), iso(r.revokedAt)]);
      stdout.write(`${table(rows)}\n`);
    }
  } finally {
    await storage.close();
  }
}

export async function tokenRevoke(id: string, flags: TokenFlags, deps: TokenCommandDeps): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const { storage } = await open(flags, false);
  try {
    const tokens = tokenStore(storage, { clock: clockOf(deps) });
    const record = await tokens.get(id);
    if (!record) throw new Error(`no token with id "${id}" (bulwark token list shows them)`);
    const revoked = await tokens.revoke(id);
    if (flags.json) stdout.write(`${JSON.stringify({ id, revoked }, null, 2)}\n`);
    else stdout.write(revoked ? `Revoked token ${id} "${record.name}"; its sessions end with it.\n` : `Token ${id} was already revoked.\n`);
  } finally {
    await storage.close();
  }
}
