import { join } from 'node:path';
import type { z } from 'zod';
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { Emitter, type Listener, type Unsubscribe } from '../core/events.js';
import { StorageClosedError } from './errors.js';
import { checkInteger, checkNonEmptyString, checkNumber } from '../core/option-checks.js';
import { consoleLogger } from './query-meter.js';
import { sqliteStorage, type SqliteStorage } from './sqlite.js';
import type { Migration, Queryable, Storage, StorageLogger } from './types.js';
import { validate } from './validate.js';
import { isConnectionError } from './connection-error.js';
import { withDefaults } from '../core/options.js';

/**
 * Writes that must not be lost, to a primary store (PostgreSQL) that may be unreachable.
 *
 * Each write has a unique id (its idempotency key) and a kind whose handler applies it inside a
 * transaction that also records the id in `storage_applied_writes`. When the primary is
 * unreachable the write is appended to a local SQLite spool (synchronous=FULL) and acknowledged;
 * a replay loop applies spooled writes in spool order once the primary answers again. Because
 * the id is recorded in the same transaction as the write, a write whose commit was in doubt, or
 * a replay interrupted between commit and spool cleanup, is skipped the second time: nothing
 * acknowledged is lost, nothing is applied twice.
 */

export interface WriteKind<S extends z.ZodType = z.ZodType> {
  /** Validates the data before it is written or spooled; a failure names the field. */
  schema?: S;
  /** Applies the write on the primary, inside the transaction that records its id. */
  apply(tx: Queryable, data: z.output<S>): Promise<void>;
}

export type WriteOutcome = 'written' | 'spooled' | 'duplicate';

export interface SpoolEvents {
  /** The primary was unreachable; the write went to the spool. */
  spooled: { id: string; kind: string; error: unknown };
  /** A replay pass applied `applied` writes and skipped `duplicates` already applied. */
  replayed: { applied: number; duplicates: number; pending: number };
  /** A replay pass stopped; the writes stay spooled and the next pass tries again. */
  replayFailed: { id: string; error: unknown };
}

export interface SpooledWriterOptions {
  /** Handlers by kind. */
  kinds: Record<string, WriteKind>;
  /** Directory for the spool file when `spoolPath` is not given. */
  dataDir?: string;
  /** The spool file; overrides dataDir. */
  spoolPath?: string;
  /** How often the replay loop tries the primary while writes are spooled. */
  replayIntervalMs?: number;
  /** Spooled writes applied per primary transaction during replay. */
  replayBatch?: number;
  /** Which errors mean "the primary is unreachable" (spool) rather than "this write is bad" (throw). */
  isUnavailable?: (error: unknown) => boolean;
  logger?: StorageLogger;
  clock?: Clock;
}

export { isConnectionError };

export const SPOOLED_WRITER_DEFAULTS = {
  dataDir: './.bulwark', // next to the main database
  spoolPath: '', // '' means <dataDir>/spool.db
  replayIntervalMs: 1_000, // notices a returning primary within a second without hammering a dead one
  replayBatch: 200, // one commit per 200 replayed writes: fast catch-up, short transactions
  isUnavailable: isConnectionError, // socket errors and SQLSTATE class 08 / 57P0x
  logger: consoleLogger, // warnings to stderr unless the host injects its own
  clock: systemClock, // wall time
} satisfies Required<Omit<SpooledWriterOptions, 'kinds'>>;

export interface SpooledWriter {
  /**
   * Applies a write on the primary, or spools it when the primary is unreachable (or writes are
   * already spooled, to keep their order). Resolves once the write is durable in one of the two.
   */
  write(kind: string, id: string, data: unknown): Promise<WriteOutcome>;
  /** Replays spooled writes now; resolves with how many were applied. Rejects if the primary is still down. */
  flush(): Promise<number>;
  /** Writes waiting in the spool. */
  readonly pending: number;
  on<K extends keyof SpoolEvents & string>(name: K, listener: Listener<SpoolEvents[K]>): Unsubscribe;
  /** Stops the replay loop and closes the spool (the primary stays open: it is the caller's). */
  close(): Promise<void>;
}

const spoolMigration: Migration = {
  id: 'spool-001-writes',
  up: `CREATE TABLE IF NOT EXISTS spooled_writes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  write_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  error TEXT,
  spooled_at BIGINT NOT NULL
)`,
};

interface SpoolRow {
  [key: string]: unknown;
  seq: number;
  write_id: string;
  kind: string;
  data: string;
}

/** Records the id and applies the write, in the caller's transaction. False when already applied. */
async function applyOnce(tx: Queryable, kind: WriteKind, id: string, data: unknown, now: number): Promise<boolean> {
  const claimed = await tx.run('INSERT INTO storage_applied_writes (write_id, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING', [id, now]);
  if (claimed.changes === 0) return false;
  await kind.apply(tx, data);
  return true;
}

/** A writer over `primary` (whose migrations must include `appliedWritesMigration`, as the defaults do). */
export async function spooledWriter(primary: Storage, options: SpooledWriterOptions): Promise<SpooledWriter> {
  const o = withDefaults(SPOOLED_WRITER_DEFAULTS, options);
  checkNumber('spooledWriter', 'replayIntervalMs', o.replayIntervalMs, 1);
  checkInteger('spooledWriter', 'replayBatch', o.replayBatch, 1);
  if (typeof o.kinds !== 'object' || o.kinds === null || Object.keys(o.kinds).length === 0) {
    throw new TypeError('spooledWriter: kinds must name at least one write kind with an apply(tx, data) handler');
  }
  const spool: SqliteStorage = await sqliteStorage({
    path: o.spoolPath === '' ? defaultSpoolPath(o.dataDir) : o.spoolPath,
    synchronous: 'FULL',
    migrations: [spoolMigration],
    logger: o.logger,
    clock: o.clock,
  });
  const events = new Emitter<SpoolEvents>();
  let pending = Number((await spool.one<{ n: number }>('SELECT COUNT(*) AS n FROM spooled_writes'))?.n ?? 0);
  let closed = false;
  let timer: CancelTimer | undefined;
  let replaying: Promise<number> | undefined;

  const kindOf = (kind: string): WriteKind => {
    const handler = Object.hasOwn(o.kinds, kind) ? o.kinds[kind] : undefined;
    if (!handler) throw new TypeError(`spooledWriter: unknown write kind "${kind}"; known: ${Object.keys(o.kinds).join(', ')}`);
    return handler;
  };

  const schedule = (): void => {
    if (closed || timer || pending === 0) return;
    timer = setTimerOn(o.clock, o.replayIntervalMs, () => {
      timer = undefined;
      replay().then(
        () => schedule(),
        () => schedule(),
      );
    });
  };

  const toSpool = async (kind: string, id: string, data: unknown, error: unknown): Promise<void> => {
    const message = error === undefined ? null : error instanceof Error ? error.message : String(error);
    const result = await spool.run('INSERT INTO spooled_writes (write_id, kind, data, error, spooled_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      id,
      kind,
      JSON.stringify(data),
      message,
      o.clock.now(),
    ]);
    pending += result.changes;
    if (error !== undefined) events.emit('spooled', { id, kind, error });
    schedule();
  };

  /** One pass: applies spooled writes in order until the spool is empty or the primary fails. */
  const replayPass = async (): Promise<number> => {
    let applied = 0;
    let duplicates = 0;
    for (;;) {
      const rows = await spool.all<SpoolRow>('SELECT seq, write_id, kind, data FROM spooled_writes ORDER BY seq LIMIT ?', [o.replayBatch]);
      if (rows.length === 0) break;
      let batchApplied = 0;
      try {
        batchApplied = await primary.transaction(async (tx) => {
          let count = 0;
          for (const row of rows) {
            if (await applyOnce(tx, kindOf(row.kind), row.write_id, JSON.parse(row.data) as unknown, o.clock.now())) count++;
          }
          return count;
        });
      } catch (error) {
        const id = rows[0]?.write_id ?? '';
        if (!o.isUnavailable(error)) {
          // Not an outage: this batch holds a write the primary refuses. It stays spooled (and
          // blocks the ones behind it, to keep order) until someone fixes the cause.
          o.logger.warn('spool replay refused by the primary', { id, error: error instanceof Error ? error.message : String(error) });
        }
        events.emit('replayFailed', { id, error });
        throw error;
      }
      applied += batchApplied;
      duplicates += rows.length - batchApplied;
      // Committed on the primary; a crash before this delete only causes a skipped duplicate later.
      const last = rows[rows.length - 1]?.seq ?? 0;
      const removed = await spool.run('DELETE FROM spooled_writes WHERE seq <= ?', [last]);
      pending = Math.max(0, pending - removed.changes);
    }
    events.emit('replayed', { applied, duplicates, pending });
    return applied;
  };

  const replay = (): Promise<number> => {
    if (closed) return Promise.reject(new StorageClosedError('Spooled writer is closed'));
    replaying ??= replayPass().finally(() => {
      replaying = undefined;
    });
    return replaying;
  };

  if (pending > 0) schedule();

  return {
    async write(kind, id, data) {
      if (closed) throw new StorageClosedError('Spooled writer is closed');
      checkNonEmptyString('spooledWriter.write', 'id', id);
      const handler = kindOf(kind);
      const value: unknown = handler.schema ? validate(`write "${kind}"`, handler.schema, data) : data;
      if (pending > 0 || replaying) {
        await toSpool(kind, id, value, undefined);
        return 'spooled';
      }
      try {
        const fresh = await primary.transaction((tx) => applyOnce(tx, handler, id, value, o.clock.now()));
        return fresh ? 'written' : 'duplicate';
      } catch (error) {
        if (!o.isUnavailable(error)) throw error;
        await toSpool(kind, id, value, error);
        return 'spooled';
      }
    },
    flush: () => (pending === 0 && !replaying ? Promise.resolve(0) : replay()),
    get pending() {
      return pending;
    },
    on: (name, listener) => events.on(name, listener),
    async close() {
      if (closed) return;
      closed = true;
      timer?.();
      timer = undefined;
      await replaying?.catch(() => undefined);
      await spool.close();
    },
  };
}

/** Where the spool lives by default. */
export function defaultSpoolPath(dataDir = SPOOLED_WRITER_DEFAULTS.dataDir): string {
  return join(dataDir, 'spool.db');
}
