import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { loadPeer } from '../core/peer.js';
import { systemClock } from '../core/clock.js';
import { StorageClosedError } from './errors.js';
import { runMigrations } from './migrations/runner.js';
import { storageMigrations } from './migrations/schema.js';
import { checkInteger, checkNumber, checkOneOf } from '../core/option-checks.js';
import { QueryMeter, consoleLogger } from './query-meter.js';
import type { MigrationResult, Queryable, Row, RunResult, SqlValue, Storage, StorageOpenOptions, StorageStats, UnitOfWork } from './types.js';
import { withDefaults } from '../core/options.js';

/**
 * The embedded backend: one SQLite file through better-sqlite3.
 *
 * Durability: WAL journal with `synchronous = FULL`. In WAL mode, NORMAL only syncs the WAL at
 * checkpoints, so a power cut can lose the last commits that were already acknowledged; FULL
 * syncs the WAL on every commit, so a commit that returned is on disk. Batch writes in one
 * transaction to pay that sync once per batch.
 */

export interface SqliteStorageOptions extends StorageOpenOptions {
  /** Directory for the database file; created if missing. */
  dataDir?: string;
  /** The database file; `:memory:` for a throwaway database. Overrides dataDir. */
  path?: string;
  /** How long a statement waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
  /** FULL: an acknowledged commit survives power loss. NORMAL is faster and survives only a process crash. */
  synchronous?: 'FULL' | 'NORMAL';
}

export const SQLITE_DEFAULTS = {
  dataDir: './.bulwark', // the data directory of a Bulwark process, next to where it runs
  path: '', // '' means <dataDir>/bulwark.db
  busyTimeoutMs: 5_000, // rides out a checkpoint or another process's batch without failing a write
  synchronous: 'FULL' as 'FULL' | 'NORMAL', // acknowledged = durable, even across power loss
  slowQueryMs: 100, // an embedded statement this slow means a missing index or a stalled disk
  migrations: storageMigrations, // the storage layer's own tables
  migrate: true, // a fresh data directory works at once
  logger: consoleLogger, // warnings to stderr unless the host injects its own
  clock: systemClock, // wall time
} satisfies Required<SqliteStorageOptions>;

export interface SqliteStorage extends Storage {
  readonly dialect: 'sqlite';
  /** Absolute path of the database file (or `:memory:`). */
  readonly path: string;
  /** Copies the live database to `destination` with SQLite's online backup API (consistent, WAL-safe). */
  backup(destination: string): Promise<void>;
}

/** One holder at a time: a transaction holds the connection across awaits. */
class Gate {
  private held = false;
  private readonly queue: Array<() => void> = [];

  get busy(): boolean {
    return this.held;
  }

  get waiting(): number {
    return this.queue.length;
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.held = false;
  }
}

/** Statements kept prepared; past this the cache starts over (dynamic SQL must not grow it forever). */
const statementCacheSize = 500;

function bind(params: readonly SqlValue[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((value) => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value));
}

/** Opens (and by default migrates) the SQLite database. */
export async function sqliteStorage(options: SqliteStorageOptions = {}): Promise<SqliteStorage> {
  const o = withDefaults(SQLITE_DEFAULTS, options);
  checkInteger('sqliteStorage', 'busyTimeoutMs', o.busyTimeoutMs, 0);
  checkNumber('sqliteStorage', 'slowQueryMs', o.slowQueryMs, 0);
  checkOneOf('sqliteStorage', 'synchronous', o.synchronous, ['FULL', 'NORMAL']);
  const path = o.path === ':memory:' ? ':memory:' : resolve(o.path === '' ? join(o.dataDir, 'bulwark.db') : o.path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });

  const db = new (loadPeer<typeof Database>('better-sqlite3', 'sqliteStorage'))(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${o.synchronous}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${o.busyTimeoutMs}`);

  const meter = new QueryMeter(o.clock, o.slowQueryMs, o.logger);
  const gate = new Gate();
  const statements = new Map<string, Database.Statement>();
  let closed = false;

  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= statementCacheSize) statements.clear();
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  /** Runs one synchronous step and records it. */
  const measured = <T>(sql: string, step: () => T): T => {
    const startedAt = meter.start();
    try {
      const result = step();
      meter.record(sql, startedAt, false);
      return result;
    } catch (error) {
      meter.record(sql, startedAt, true);
      throw error;
    }
  };

  const direct = {
    run: (sql: string, params?: readonly SqlValue[]): RunResult => measured(sql, () => ({ changes: prepare(sql).run(...bind(params)).changes })),
    all: <R extends Row>(sql: string, params?: readonly SqlValue[]): R[] => measured(sql, () => prepare(sql).all(...bind(params)) as R[]),
    one: <R extends Row>(sql: string, params?: readonly SqlValue[]): R | undefined =>
      measured(sql, () => prepare(sql).get(...bind(params)) as R | undefined),
    exec: (script: string): void => measured(script, () => void db.exec(script)),
  };

  /** A statement outside any transaction: runs now when the connection is free, else after the open transaction. */
  const outside = async <T>(step: () => T): Promise<T> => {
    if (closed) throw new StorageClosedError();
    if (!gate.busy) return step();
    await gate.acquire();
    try {
      if (closed) throw new StorageClosedError();
      return step();
    } finally {
      gate.release();
    }
  };

  const transaction = async <T>(work: UnitOfWork<T>): Promise<T> => {
    if (closed) throw new StorageClosedError();
    await gate.acquire();
    let open = true;
    const check = (): void => {
      if (!open) throw new StorageClosedError('Transaction is finished; run statements on the storage or a new transaction');
    };
    const tx: Queryable = {
      dialect: 'sqlite',
      run: async (sql, params) => (check(), direct.run(sql, params)),
      all: async <R extends Row>(sql: string, params?: readonly SqlValue[]) => (check(), direct.all<R>(sql, params)),
      one: async <R extends Row>(sql: string, params?: readonly SqlValue[]) => (check(), direct.one<R>(sql, params)),
      exec: async (script) => (check(), direct.exec(script)),
    };
    try {
      if (closed) throw new StorageClosedError();
      // IMMEDIATE takes the write lock now, so two processes never deadlock upgrading a read lock.
      direct.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        open = false;
        direct.exec('COMMIT');
        meter.commits++;
        return result;
      } catch (error) {
        // The work failed, or COMMIT did: either way nothing of this unit of work may stay.
        open = false;
        if (db.inTransaction) direct.exec('ROLLBACK');
        meter.rollbacks++;
        throw error;
      }
    } finally {
      open = false;
      gate.release();
    }
  };

  const storage: SqliteStorage = {
    dialect: 'sqlite',
    path,
    run: (sql, params) => outside(() => direct.run(sql, params)),
    all: <R extends Row>(sql: string, params?: readonly SqlValue[]) => outside(() => direct.all<R>(sql, params)),
    one: <R extends Row>(sql: string, params?: readonly SqlValue[]) => outside(() => direct.one<R>(sql, params)),
    exec: (script) => outside(() => direct.exec(script)),
    transaction,
    migrate: (migrations): Promise<MigrationResult> => runMigrations(storage, migrations, () => o.clock.now()),
    ping: () => outside(() => void direct.one('SELECT 1 AS ok')),
    stats(): StorageStats {
      return {
        dialect: 'sqlite',
        queries: meter.queries,
        errors: meter.errors,
        slowQueries: meter.slowQueries,
        commits: meter.commits,
        rollbacks: meter.rollbacks,
        pool: { total: closed ? 0 : 1, idle: closed || gate.busy ? 0 : 1, waiting: gate.waiting },
      };
    },
    async backup(destination) {
      if (closed) throw new StorageClosedError();
      mkdirSync(dirname(resolve(destination)), { recursive: true });
      await db.backup(destination);
    },
    async close() {
      if (closed) return;
      // Let the open transaction and queued statements finish first.
      await gate.acquire();
      closed = true;
      statements.clear();
      db.close();
      gate.release();
    },
  };

  if (o.migrate) {
    try {
      await storage.migrate(o.migrations);
    } catch (error) {
      await storage.close();
      throw error;
    }
  }
  return storage;
}
