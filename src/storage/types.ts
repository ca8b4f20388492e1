/**
 * The storage contract. One interface, two real backends: SQLite (the embedded default) and
 * PostgreSQL (for a fleet). Feature code (journal, dead letters, backups, audit...) is written
 * against `Storage` only and runs unchanged on either.
 *
 * SQL conventions, so one statement runs on both backends:
 * - Placeholders are `?`, in order. The PostgreSQL backend rewrites them to `$1, $2, ...`
 *   (a `?` inside a quoted string literal is left alone).
 * - Times are stored as BIGINT milliseconds since the epoch (both backends return a `number`).
 * - JSON is stored as TEXT; repositories serialise and parse it.
 * - Booleans are stored as INTEGER 0/1.
 * - Where the dialects differ (DDL, upserts), branch on `dialect` or give a migration per dialect.
 */

import type { Clock } from '../core/clock.js';

export type Dialect = 'sqlite' | 'postgres';

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** One result row: column name -> value. */
export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

/** Something statements run on: the storage itself or an open transaction. */
export interface Queryable {
  readonly dialect: Dialect;
  /** Runs a statement that returns no rows (INSERT/UPDATE/DELETE/DDL). */
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  /** Runs a query and returns every row. */
  all<R extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Runs a query and returns the first row, or undefined when there is none. */
  one<R extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined>;
  /** Runs a script of one or more statements separated by `;`, without parameters (DDL). */
  exec(script: string): Promise<void>;
}

/** Reads only: what a replica can answer. */
export type ReadQueryable = Pick<Queryable, 'dialect' | 'all' | 'one'>;

/** A unit of work: every statement run on `tx` commits together or not at all. */
export type UnitOfWork<T> = (tx: Queryable) => Promise<T>;

/**
 * A versioned schema change. `id` is unique across the whole program and sorts within its
 * area (`<area>-<NNN>-<what>`, e.g. `dlq-001-dead-letters`); migrations apply in the order given.
 * `up` is one SQL script for both dialects, or one per dialect where the SQL differs.
 */
export interface Migration {
  readonly id: string;
  readonly up: string | { readonly sqlite: string; readonly postgres: string };
}

export interface MigrationResult {
  /** Ids applied by this call, in order. */
  applied: string[];
  /** Ids that were already recorded in `schema_migrations` and were skipped. */
  skipped: string[];
}

export interface StorageStats {
  dialect: Dialect;
  /** Statements run since open (transactions count their statements). */
  queries: number;
  /** Statements that failed. */
  errors: number;
  /** Statements slower than the slow-query threshold. */
  slowQueries: number;
  /** Transactions committed / rolled back. */
  commits: number;
  rollbacks: number;
  /** Connection pool figures (PostgreSQL); SQLite reports one connection. */
  pool: { total: number; idle: number; waiting: number };
}

/** Where slow queries and pool trouble are reported. Inject your own; the default writes to console. */
export interface StorageLogger {
  warn(message: string, details?: Record<string, unknown>): void;
}

/** The options every backend takes when it opens (each backend writes its own defaults). */
export interface StorageOpenOptions {
  /** Statements at least this slow are counted and logged. */
  slowQueryMs?: number;
  /** Applied at open when `migrate` is true. */
  migrations?: readonly Migration[];
  /** Run `migrations` at open. */
  migrate?: boolean;
  logger?: StorageLogger;
  /** Measures statement time (and, on PostgreSQL, idle time for pre-ping); stamps migrations. */
  clock?: Clock;
}

export interface Storage extends Queryable {
  /**
   * Reads that may be a little stale (dashboard lists, audit export, order history): on PostgreSQL
   * with replicas, a replica within the lag limit answers, else the primary (read-only there too).
   * Absent on a storage without replicas; `staleReads(storage)` gives this or the storage itself.
   * A path that must see its own writes reads from the storage, never from here.
   */
  readonly replicaReads?: ReadQueryable;
  /**
   * Runs `work` in one transaction: commits when it resolves, rolls back when it rejects (and
   * rethrows the error as it was). Statements must run on `tx`, not on the storage itself.
   */
  transaction<T>(work: UnitOfWork<T>): Promise<T>;
  /**
   * Applies the migrations not yet recorded in `schema_migrations`, each in order. Idempotent,
   * and safe when several processes start at once (PostgreSQL: an advisory lock; SQLite: an
   * immediate transaction). A recorded migration whose SQL has changed is refused.
   */
  migrate(migrations: readonly Migration[]): Promise<MigrationResult>;
  /** Resolves when the backend answers a trivial query; rejects with the reason when it does not. */
  ping(): Promise<void>;
  stats(): StorageStats;
  /** Closes connections. Pending statements finish first; later calls reject. Idempotent. */
  close(): Promise<void>;
}
