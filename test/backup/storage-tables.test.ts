import { afterEach, describe, expect, it } from 'vitest';
import { storageTablesProvider } from '../../src/backup/storage-tables.js';
import { alertHistoryMigration } from '../../src/observe/alerts/storage-history.js';
import { storageMigrations } from '../../src/storage/migrations/schema.js';
import { operatorSettings } from '../../src/storage/repos/operator-settings.js';
import { type SqliteStorage, sqliteStorage } from '../../src/storage/sqlite.js';
import { deadLetters } from '../../src/dlq/dead-letters.js';

let storage: SqliteStorage | undefined;
afterEach(async () => storage?.close());

describe('storageTablesProvider', () => {
  it('snapshots the service tables as rows and restores them over later changes', async () => {
    storage = await sqliteStorage({ path: ':memory:', migrations: [...storageMigrations, alertHistoryMigration] });
    const settings = operatorSettings(storage);
    await settings.put('gate:kill', { reason: 'incident' }, { actor: 'alice' });
    const queue = deadLetters(storage, { name: 'orders' });
    await queue.add({ operation: 'createOrder', payload: { n: 1 }, error: new Error('refused'), attempts: 1 });
    const provider = storageTablesProvider(storage);
    const snapshot = JSON.parse(JSON.stringify(await provider.snapshot())) as { tables: Record<string, unknown[]> };
    expect(snapshot.tables.operator_settings).toHaveLength(1);
    expect(snapshot.tables.dead_letters).toHaveLength(1);

    await settings.remove('gate:kill');
    await settings.put('breaker:x', { isolated: true }, { actor: 'bob' });
    await queue.add({ operation: 'createOrder', payload: { n: 2 }, error: new Error('refused'), attempts: 1 });
    await provider.restore(snapshot);
    expect((await settings.list()).map((s) => `${s.key} by ${s.actor}`)).toEqual(['gate:kill by alice']);
    expect(await queue.count({ status: 'pending' })).toBe(1);
    // A letter added after the restore gets a new sequence number.
    await queue.add({ operation: 'createOrder', payload: { n: 3 }, error: new Error('refused'), attempts: 1 });
    expect(await queue.count({ status: 'pending' })).toBe(2);
  });

  it('refuses what is not its snapshot, and a table name that is not plain', async () => {
    storage = await sqliteStorage({ path: ':memory:' });
    await expect(storageTablesProvider(storage).restore({ tables: {} })).rejects.toThrow('not a bulwark-tables-1 snapshot');
    expect(() => storageTablesProvider(storage!, ['x; DROP TABLE y'])).toThrow('is not a plain table name');
  });
});
