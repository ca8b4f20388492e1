import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { loadPeer } from '../core/peer.js';
import { systemClock } from '../core/clock.js';
import { StorageClosedError } from './errors.js';
import { runMigrations } from './migrations/runner.js';
import { storageMigrations } from './migrations/schema.js';
import { checkInteger, checkNumber } from '../core/option-checks.js';
import { QueryMeter, consoleLogger } from './query-meter.js';
import { toPostgresPlaceholders } from './placeholders.js';
import type { MigrationResult, Queryable, Row, RunResult, SqlValue, Storage, StorageOpenOptions, StorageStats, UnitOfWork } from './types.js';
import { withDefaults } from '../core/options.js';
import { markNotApplied } from './write-safety.js';

/** The fleet backend: PostgreSQL through a `pg` connection pool. */

export interface PostgresStorageOptions extends StorageOpenOptions {
  /** `postgres://user:password@host:port/database`; when empty, pg reads the PG* environment variables. */
  connectionString?: string;
  /** Schema for every table (search_path); created if missing. */
  schema?: string;
  /** Connections kept open even when idle. */
  min?: number;
  /** Most connections open at once. */
  max?: number;
  /** An idle connection above `min` is closed after this long. */
  idleTimeoutMs?: number;
  /** A connection is retired after this long, whatever its state (0 = never). */
  maxLifetimeSeconds?: number;
  /** How long to wait for a new connection before failing. */
  connectionTimeoutMs?: number;
  /** The server cancels a statement that runs longer (0 = no limit). */
  statementTimeoutMs?: number;
  /** Check a connection with `SELECT 1` before use when it has been idle at least `prePingIdleMs`. */
  prePing?: boolean;
  prePingIdleMs?: number;
  /** TLS: true for default verification, or Node TLS options (ca, cert, key, rejectUnauthorized...). */
  ssl?: boolean | ConnectionOptions;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Every transaction is READ ONLY (`default_transaction_read_only`): a write is refused with SQLSTATE
   * 25006 wherever the pool points. Used for replica reads; a read-only pool creates no schema.
   */
  readOnly?: boolean;
}

export const POSTGRES_DEFAULTS = {
  connectionString: '', // pg falls back to PGHOST, PGUSER, ... when empty
  schema: 'public', // PostgreSQL's default schema
  min: 1, // one warm connection answers the first request without a handshake
  max: 10, // enough for an ops service; PostgreSQL's own default limit is 100 for everyone
  idleTimeoutMs: 30_000, // returns unused connections to the server within half a minute
  maxLifetimeSeconds: 1_800, // rotates connections so a failover or a DNS change is picked up
  connectionTimeoutMs: 5_000, // an unreachable server fails fast, so writes can spool instead of hang
  statementTimeoutMs: 30_000, // a runaway statement never holds a connection for ever
  prePing: true, // a connection the server dropped while idle is replaced, not handed out
  prePingIdleMs: 10_000, // a connection used in the last 10 s is assumed alive: no extra round trip
  slowQueryMs: 200, // over a LAN a statement this slow is worth a look
  ssl: false, // local and test servers usually run without TLS
  applicationName: 'bulwark', // easy to find in pg_stat_activity
  readOnly: false, // the storage writes; read-only pools are asked for (replica reads)
  migrations: storageMigrations, // the storage layer's own tables
  migrate: true, // a fresh database works at once
  logger: consoleLogger, // warnings to stderr unless the host injects its own
  clock: systemClock, // wall time
} satisfies Required<PostgresStorageOptions>;

export interface PostgresStorage extends Storage {
  readonly dialect: 'postgres';
  readonly schema: string;
  /** The underlying pool, for tools that need it (e.g. LISTEN). Prefer the Storage methods. */
  readonly pool: pg.Pool;
}

const schemaName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** int8 (BIGINT, COUNT) as a number: our BIGINTs are millisecond times and counters, far below 2^53. */
const int8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8 && format !== 'binary' ? (value: string) => Number(value) : loadPeer<typeof pg>('pg', 'postgresStorage').types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

function checkOptions(o: Required<PostgresStorageOptions>): void {
  const where = 'postgresStorage';
  checkInteger(where, 'min', o.min, 0);
  checkInteger(where, 'max', o.max, 1);
  if (o.min > o.max) throw new RangeError(`${where}: min (${o.min}) must not exceed max (${o.max})`);
  checkInteger(where, 'idleTimeoutMs', o.idleTimeoutMs, 0);
  checkInteger(where, 'maxLifetimeSeconds', o.maxLifetimeSeconds, 0);
  checkInteger(where, 'connectionTimeoutMs', o.connectionTimeoutMs, 0);
  checkInteger(where, 'statementTimeoutMs', o.statementTimeoutMs, 0);
  checkNumber(where, 'prePingIdleMs', o.prePingIdleMs, 0);
  checkNumber(where, 'slowQueryMs', o.slowQueryMs, 0);
  if (!schemaName.test(o.schema)) {
    throw new RangeError(`${where}: schema must be a plain identifier (letters, digits, _; at most 63), got "${o.schema}"`);
  }
}

/** Opens a pool (and by default creates the schema and runs migrations). */
export async function postgresStorage(options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
  const o = withDefaults(POSTGRES_DEFAULTS, options);
  checkOptions(o);

  const pool = new (loadPeer<typeof pg>('pg', 'postgresStorage').Pool)({
    ...(o.connectionString === '' ? {} : { connectionString: o.connectionString }),
    min: o.min,
    max: o.max,
    idleTimeoutMillis: o.idleTimeoutMs,
    maxLifetimeSeconds: o.maxLifetimeSeconds,
    connectionTimeoutMillis: o.connectionTimeoutMs,
    ...(o.statementTimeoutMs > 0 ? { statement_timeout: o.statementTimeoutMs } : {}),
    ssl: o.ssl,
    application_name: o.applicationName,
    options: `-c search_path=${o.schema}${o.readOnly ? ' -c default_transaction_read_only=on' : ''}`,
    types,
  });
  // An idle connection the server or network dropped must not crash the process: log it; the pool replaces it.
  pool.on('error', (error: Error) => o.logger.warn('idle connection lost', { error: error.message }));

  const meter = new QueryMeter(o.clock, o.slowQueryMs, o.logger);
  const lastUsed = new WeakMap<pg.PoolClient, number>();
  const guarded = new WeakSet<pg.PoolClient>();
  let closed = false;

  /**
   * A connection that dies while checked out emits 'error' besides failing its query; without a
   * listener that would crash the process. The failed query already reports it to the caller.
   */
  const guard = (client: pg.PoolClient): void => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', (error: Error) => o.logger.warn('connection lost', { error: error.message }));
  };

  /** A checked-out connection, pre-pinged when it sat idle; a dead one is destroyed and replaced. */
  const checkout = async (): Promise<pg.PoolClient> => {
    for (let tries = 0; ; tries++) {
      const client = await pool.connect();
      guard(client);
      const used = lastUsed.get(client);
      if (!o.prePing || (used !== undefined && o.clock.now() - used < o.prePingIdleMs)) return client;
      try {
        await client.query('SELECT 1');
        return client;
      } catch (error) {
        client.release(error instanceof Error ? error : new Error(String(error)));
        if (tries >= o.max) throw error;
      }
    }
  };

  const giveBack = (client: pg.PoolClient, error?: unknown): void => {
    lastUsed.set(client, o.clock.now());
    // A connection-level failure destroys the client; a statement error (it has a SQLSTATE code) keeps it.
    const broken = error !== undefined && !(typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code));
    client.release(broken ? (error instanceof Error ? error : new Error(String(error))) : undefined);
  };

  const query = async (client: pg.PoolClient, sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult> => {
    const text = params && params.length > 0 ? toPostgresPlaceholders(sql) : sql;
    const startedAt = meter.start();
    try {
      const result = await client.query(text, params ? (params as unknown[]) : undefined);
      meter.record(sql, startedAt, false);
      return result;
    } catch (error) {
      meter.record(sql, startedAt, true);
      throw error;
    }
  };

  const on = (client: pg.PoolClient, check: () => void): Queryable => ({
    dialect: 'postgres',
    run: async (sql, params): Promise<RunResult> => (check(), { changes: (await query(client, sql, params)).rowCount ?? 0 }),
    all: async <R extends Row>(sql: string, params?: readonly SqlValue[]) => (check(), (await query(client, sql, params)).rows as R[]),
    one: async <R extends Row>(sql: string, params?: readonly SqlValue[]) => (check(), (await query(client, sql, params)).rows[0] as R | undefined),
    exec: async (script) => void (check(), await query(client, script)),
  });

  /** A connection for a statement; when none can be had, the statement was never sent (a write may be retried). */
  const connection = async (): Promise<pg.PoolClient> => {
    try {
      return await checkout();
    } catch (error) {
      markNotApplied(error);
      throw error;
    }
  };

  /** Runs `step` on a connection of its own. */
  const withClient = async <T>(step: (db: Queryable) => Promise<T>): Promise<T> => {
    if (closed) throw new StorageClosedError();
    const client = await connection();
    try {
      const result = await step(on(client, () => undefined));
      giveBack(client);
      return result;
    } catch (error) {
      giveBack(client, error);
      throw error;
    }
  };

  const transaction = async <T>(work: UnitOfWork<T>): Promise<T> => {
    if (closed) throw new StorageClosedError();
    const client = await connection();
    let open = true;
    let commitSent = false;
    const tx = on(client, () => {
      if (!open) throw new StorageClosedError('Transaction is finished; run statements on the storage or a new transaction');
    });
    try {
      await query(client, 'BEGIN');
      const result = await work(tx);
      open = false;
      commitSent = true;
      await query(client, 'COMMIT');
      meter.commits++;
      giveBack(client);
      return result;
    } catch (error) {
      open = false;
      meter.rollbacks++;
      // Before COMMIT was sent nothing can have committed, whatever happened to the connection.
      if (!commitSent) markNotApplied(error);
      try {
        await query(client, 'ROLLBACK');
        giveBack(client);
      } catch {
        // The connection itself failed (the server rolls back on its own): destroy it.
        client.release(new Error('connection failed during rollback'));
      }
      throw error;
    }
  };

  const storage: PostgresStorage = {
    dialect: 'postgres',
    schema: o.schema,
    pool,
    run: (sql, params) => withClient((db) => db.run(sql, params)),
    all: <R extends Row>(sql: string, params?: readonly SqlValue[]) => withClient((db) => db.all<R>(sql, params)),
    one: <R extends Row>(sql: string, params?: readonly SqlValue[]) => withClient((db) => db.one<R>(sql, params)),
    exec: (script) => withClient((db) => db.exec(script)),
    transaction,
    migrate: (migrations): Promise<MigrationResult> => runMigrations(storage, migrations, () => o.clock.now()),
    ping: () => withClient(async (db) => void (await db.one('SELECT 1 AS ok'))),
    stats(): StorageStats {
      return {
        dialect: 'postgres',
        queries: meter.queries,
        errors: meter.errors,
        slowQueries: meter.slowQueries,
        commits: meter.commits,
        rollbacks: meter.rollbacks,
        pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };

  try {
    if (o.schema !== 'public' && !o.readOnly) {
      await withClient(async (db) => {
        try {
          await db.exec(`CREATE SCHEMA IF NOT EXISTS "${o.schema}"`);
        } catch (error) {
          // Two processes creating it at once: the loser sees a duplicate; the schema exists either way.
          const code = (error as { code?: unknown }).code;
          if (code !== '23505' && code !== '42P06') throw error;
        }
      });
    }
    if (o.migrate) await storage.migrate(o.migrations);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}
