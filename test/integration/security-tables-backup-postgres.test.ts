/**
 * A PostgreSQL service's backup carries its security tables: API tokens (hashes), the audit log
 * with its head and signed checkpoints, and the sealed secrets; never the dashboard sessions. A
 * restore brings them back whole (the audit chain verifies, tokens sign in, secrets open with the
 * same key), keeps a revocation made since, and works into a database where the tables do not
 * exist yet; a database that never created a table backs up without it.
 */
import { afterAll, expect, it } from 'vitest';
import { SERVICE_TABLES, storageTablesProvider } from '../../src/backup/storage-tables.js';
import { auditLog } from '../../src/security/audit-log.js';
import { keyring, parseKek } from '../../src/security/kek.js';
import { secretStore } from '../../src/security/secret-store.js';
import { sessionStore } from '../../src/security/sessions.js';
import { tokenStore } from '../../src/security/tokens.js';
import { SERVICE_MIGRATIONS } from '../../src/server/configured-stores.js';
import { storageMigrations } from '../../src/storage/migrations/schema.js';
import type { Migration } from '../../src/storage/types.js';
import { type PostgresStorage, postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { testKey } from '../security/audit-tampering.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const opened: PostgresStorage[] = [];
const schemas: string[] = [];

afterAll(async () => {
  for (const s of opened) await s.close();
  if (available) for (const schema of schemas) await dropSchema(schema);
});

async function database(migrations: readonly Migration[] | 'none'): Promise<PostgresStorage> {
  const schema = uniqueSchema('h_suite');
  schemas.push(schema);
  const storage = await postgresStorage({ connectionString: postgresUrl, schema, ...(migrations === 'none' ? { migrate: false } : { migrations }) });
  opened.push(storage);
  return storage;
}

const ring = keyring(parseKek(Buffer.alloc(32, 0x33).toString('hex'), 'secrets.key'));
const SECRET = 'sk-live-backup-9f8e7d6c5b4a';
/** A snapshot as the backup writes it: JSON. */
const roundTrip = async (storage: PostgresStorage) => JSON.parse(JSON.stringify(await storageTablesProvider(storage, SERVICE_TABLES, { migrations: SERVICE_MIGRATIONS }).snapshot())) as { tables: Record<string, unknown[]> };

describeWith(available, 'the security tables in a PostgreSQL backup', () => {
  it('carries tokens, the audit log and sealed secrets, not sessions; restores them over later changes and into an empty database', async () => {
    const source = await database(SERVICE_MIGRATIONS);
    const tokens = tokenStore(source, { scryptN: 2 ** 10 });
    const admin = await tokens.create({ name: 'first-admin', role: 'admin' });
    const viewer = await tokens.create({ name: 'dashboard', role: 'viewer' });
    await sessionStore(source, { key: Buffer.alloc(32, 4), tokens }).open((await tokens.verify(viewer.token))!);
    const audit = await auditLog(source, { key: testKey() });
    for (let i = 0; i < 5; i++) await audit.append({ action: `gate.halt-${i}`, actor: 'first-admin', actorKind: 'token' });
    await audit.checkpoint();
    const secrets = secretStore(source, { keyring: ring });
    await secrets.set('exchange.binance.secret', SECRET);

    const snapshot = await roundTrip(source);
    expect(Object.keys(snapshot.tables)).toEqual(expect.arrayContaining(['security_tokens', 'audit_log', 'audit_head', 'audit_checkpoints', 'secrets', 'security_token_addresses']));
    expect(snapshot.tables).not.toHaveProperty('security_sessions');
    expect(snapshot.tables.audit_log).toHaveLength(5);
    const text = JSON.stringify(snapshot);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(admin.token);

    // Later changes: a revocation, more audit entries, a secret removed.
    await tokens.revoke(viewer.record.id);
    await audit.append({ action: 'after-backup' });
    await secrets.remove('exchange.binance.secret');
    const provider = storageTablesProvider(source, SERVICE_TABLES, { migrations: SERVICE_MIGRATIONS });
    await provider.restore(snapshot);
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 5 });
    expect(await tokens.verify(admin.token)).toMatchObject({ name: 'first-admin' });
    expect(await tokens.verify(viewer.token)).toBeUndefined(); // revoked after the backup: stays revoked
    expect(await secrets.get('exchange.binance.secret')).toBe(SECRET);
    await audit.append({ action: 'after-restore' });
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 6 });

    // A database that has none of the tables: the restore creates them.
    const empty = await database('none');
    await storageTablesProvider(empty, SERVICE_TABLES, { migrations: SERVICE_MIGRATIONS }).restore(snapshot);
    expect(await (await auditLog(empty, { key: testKey() })).verify()).toMatchObject({ ok: true, entries: 5 });
    expect(await tokenStore(empty).verify(admin.token)).toMatchObject({ role: 'admin' });
    expect(await secretStore(empty, { keyring: ring }).get('exchange.binance.secret')).toBe(SECRET);
    await audit.close();
  });

  it('a database without the security tables backs up without them, and its restore leaves them alone', async () => {
    const older = await database(storageMigrations);
    const snapshot = await roundTrip(older);
    expect(Object.keys(snapshot.tables)).not.toContain('audit_log');
    expect(Object.keys(snapshot.tables)).toContain('order_intents');

    const current = await database(SERVICE_MIGRATIONS);
    const tokens = tokenStore(current, { scryptN: 2 ** 10 });
    const admin = await tokens.create({ name: 'kept', role: 'admin' });
    await storageTablesProvider(current, SERVICE_TABLES, { migrations: SERVICE_MIGRATIONS }).restore(snapshot);
    expect(await tokens.verify(admin.token)).toMatchObject({ name: 'kept' });
  });

  it('without migrations, a table the backup carries and the database lacks is named in the error', async () => {
    const source = await database(SERVICE_MIGRATIONS);
    const snapshot = await roundTrip(source);
    const empty = await database('none');
    await expect(storageTablesProvider(empty).restore(snapshot)).rejects.toThrow(/table order_intents is in the backup but not in the database/);
  });
});
