import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MigrationChangedError, StorageClosedError } from '../../src/storage/errors.js';
import { storageMigrations } from '../../src/storage/migrations/schema.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';
import { memoryLogger, steppingClock, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(options: Parameters<typeof sqliteStorage>[0] = {}): Promise<{ db: SqliteStorage; dir: string }> {
  const temp = tempDir();
  cleanups.push(temp.remove);
  const db = await sqliteStorage({ dataDir: temp.dir, ...options });
  cleanups.push(() => db.close());
  return { db, dir: temp.dir };
}

describe('sqliteStorage', () => {
  it('creates <dataDir>/bulwark.db with WAL, synchronous=FULL, foreign keys and a busy timeout', async () => {
    const { db, dir } = await open({ busyTimeoutMs: 1234 });
    expect(db.path).toBe(join(dir, 'bulwark.db'));
    expect(existsSync(db.path)).toBe(true);
    const raw = new Database(db.path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
    // Per-connection pragmas are read through the storage's own connection.
    expect(await db.one('PRAGMA synchronous')).toEqual({ synchronous: 2 });
    expect(await db.one('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(await db.one('PRAGMA busy_timeout')).toEqual({ timeout: 1234 });
  });

  it('runs the storage migrations at open and records them', async () => {
    const { db } = await open();
    const rows = await db.all<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(storageMigrations.map((m) => m.id).sort());
  });

  it('migrations are idempotent: a second run applies nothing and reopening keeps the data', async () => {
    const { db, dir } = await open();
    await db.run(`INSERT INTO storage_applied_writes (write_id, applied_at) VALUES ('w1', 1)`);
    const again = await db.migrate(storageMigrations);
    expect(again.applied).toEqual([]);
    expect(again.skipped).toEqual(storageMigrations.map((m) => m.id));
    await db.close();
    const reopened = await sqliteStorage({ dataDir: dir });
    cleanups.push(() => reopened.close());
    expect(await reopened.one('SELECT COUNT(*) AS n FROM storage_applied_writes')).toEqual({ n: 1 });
  });

  it('applies a new migration once and refuses an applied migration whose SQL changed', async () => {
    const { db } = await open();
    const extra = { id: 'test-001-extra', up: 'CREATE TABLE extra (id INTEGER PRIMARY KEY)' };
    expect((await db.migrate([extra])).applied).toEqual(['test-001-extra']);
    expect((await db.migrate([extra])).applied).toEqual([]);
    await expect(db.migrate([{ id: 'test-001-extra', up: 'CREATE TABLE extra2 (id INTEGER)' }])).rejects.toBeInstanceOf(MigrationChangedError);
  });

  it('rejects duplicate migration ids naming the id', async () => {
    const { db } = await open();
    const m = { id: 'test-dup', up: 'SELECT 1' };
    await expect(db.migrate([m, m])).rejects.toThrow(/"test-dup" appears twice/);
    await expect(db.migrate([m, { id: '  ', up: 'SELECT 1' }])).rejects.toThrow('migrate: migrations[1].id must be a non-empty string, got "  "');
  });

  it('a unit of work commits as a whole', async () => {
    const { db } = await open();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const result = await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']);
      await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'b']);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await db.all('SELECT id, v FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ]);
    expect(db.stats().commits).toBeGreaterThan(0);
  });

  it('rolls back every statement of a unit of work that fails, and rethrows its error as it was', async () => {
    const { db } = await open();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const boom = new Error('boom');
    const before = db.stats().rollbacks;
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']);
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'b']);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await db.all('SELECT * FROM t')).toEqual([]);
    expect(db.stats().rollbacks).toBe(before + 1);
  });

  it('rolls back when a statement inside the unit of work fails (constraint)', async () => {
    const { db } = await open();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']);
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, null]);
      }),
    ).rejects.toThrow(/NOT NULL/);
    expect(await db.all('SELECT * FROM t')).toEqual([]);
  });

  it('statements outside a transaction wait for the open one instead of joining it', async () => {
    const { db } = await open();
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tx = db
      .transaction(async (t) => {
        await t.run('INSERT INTO t (id) VALUES (1)');
        await gate;
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    const outside = db.run('INSERT INTO t (id) VALUES (2)');
    expect(db.stats().pool.waiting).toBe(1);
    release();
    expect(await tx).toBe('rolled back');
    await outside;
    // Had the outside insert joined the transaction, the rollback would have removed it too.
    expect(await db.all('SELECT id FROM t')).toEqual([{ id: 2 }]);
  });

  it('a transaction handle is unusable after the unit of work ends', async () => {
    const { db } = await open();
    let leaked: Parameters<Parameters<SqliteStorage['transaction']>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.run('SELECT 1')).rejects.toBeInstanceOf(StorageClosedError);
  });

  it('enforces foreign keys', async () => {
    const { db } = await open();
    await db.exec('CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p(id))');
    await expect(db.run('INSERT INTO c (id, p) VALUES (1, 99)')).rejects.toThrow(/FOREIGN KEY/);
  });

  it('counts and logs slow queries above the threshold through the injected logger', async () => {
    const logger = memoryLogger();
    const { db } = await open({ slowQueryMs: 50, logger, clock: steppingClock(60) });
    const before = db.stats().slowQueries;
    await db.one('SELECT 42 AS answer');
    expect(db.stats().slowQueries).toBe(before + 1);
    expect(logger.lines.at(-1)).toEqual({ message: 'slow query', details: { ms: 60, sql: 'SELECT 42 AS answer' } });
  });

  it('does not log statements under the threshold', async () => {
    const logger = memoryLogger();
    const { db } = await open({ slowQueryMs: 50, logger, clock: steppingClock(10) });
    await db.one('SELECT 1');
    expect(logger.lines).toEqual([]);
    expect(db.stats().slowQueries).toBe(0);
  });

  it('copies the live database with the online backup API', async () => {
    const { db, dir } = await open();
    await db.run(`INSERT INTO storage_applied_writes (write_id, applied_at) VALUES ('w1', 1)`);
    const copy = join(dir, 'copy', 'backup.db');
    await db.backup(copy);
    const raw = new Database(copy, { readonly: true });
    try {
      expect(raw.prepare('SELECT write_id FROM storage_applied_writes').all()).toEqual([{ write_id: 'w1' }]);
    } finally {
      raw.close();
    }
  });

  it('rejects statements after close, and close is idempotent', async () => {
    const { db } = await open();
    await db.close();
    await db.close();
    await expect(db.one('SELECT 1')).rejects.toBeInstanceOf(StorageClosedError);
    await expect(db.transaction(async () => 1)).rejects.toBeInstanceOf(StorageClosedError);
  });

  it.each([
    [{ busyTimeoutMs: -1 }, /busyTimeoutMs must be an integer >= 0, got -1/],
    [{ slowQueryMs: Number.NaN }, /slowQueryMs must be a finite number >= 0, got NaN/],
    [{ synchronous: 'OFF' as 'FULL' }, "sqliteStorage: synchronous must be one of 'FULL', 'NORMAL', got OFF"],
  ])('names the bad option %o', async (options, message) => {
    await expect(sqliteStorage({ path: ':memory:', ...options })).rejects.toThrow(message);
  });
});
