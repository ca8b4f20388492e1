/**
 * The writer of a PostgreSQL cluster: every write, transaction and read-your-writes read goes to
 * the host that is the primary now. When a statement fails in a way that says the primary moved
 * (SQLSTATE 25006: the host is a standby now; or the connection is lost), the writer asks every
 * host again (primary-discovery.ts), switches its pool to the one that answers as primary, and
 * tries the statement once more there, but only when it provably did not take effect
 * (write-safety.ts): a statement never sent, a transaction that failed before its COMMIT was sent,
 * a statement the server refused. A statement whose outcome is unknown (the connection died after
 * it, or its COMMIT, was sent) is never sent again: its error reaches the caller unchanged, and the
 * next call goes to the new primary.
 *
 * A retried transaction runs its `work` again from the start (nothing of the first run committed):
 * keep effects outside the database after `transaction()` resolves.
 */
import type { Clock } from '../core/clock.js';
import type { Emitter } from '../core/events.js';
import { StorageClosedError, NoPrimaryError } from './errors.js';
import { runMigrations } from './migrations/runner.js';
import type { PostgresStorage } from './postgres.js';
import { discoverPrimary, type PostgresHost, type PrimaryDiscoveryOptions } from './primary-discovery.js';
import type { MigrationResult, Row, SqlValue, StorageStats, UnitOfWork } from './types.js';
import { isPrimaryLost, mayRetryWrite } from './write-safety.js';

/** The writer moved to another host. */
export interface PrimaryChange {
  from: string;
  to: string;
  /** `primary-moved`: a failed call made the writer look again and another host answered as primary. */
  reason: 'primary-moved';
  at: number;
}

export interface PrimaryWriterEvents {
  primaryChange: PrimaryChange;
}

export interface PrimaryWriterOptions {
  /** Every host that may be the primary, in order of preference when two answer as primary. */
  hosts: readonly PostgresHost[];
  /** Opens the writer's pool on `host`; `first` is true for the pool opened at start (it migrates). */
  open: (host: PostgresHost, first: boolean) => Promise<PostgresStorage>;
  discovery: PrimaryDiscoveryOptions;
  /** Rounds of asking every host before giving up, when none answers as primary (a promotion under way). */
  discoveryAttempts: number;
  /** Wait between rounds. */
  discoveryIntervalMs: number;
  clock: Clock;
  events: Emitter<PrimaryWriterEvents>;
}

export interface PrimaryWriter extends Omit<PostgresStorage, 'migrate'> {
  /** The host written to now (`host:port`). */
  readonly host: string;
  migrate: PostgresStorage['migrate'];
  /** Asks every host again and switches to the one that answers as primary; resolves with its name. */
  rediscover(): Promise<string>;
}

const zeroStats = (): StorageStats => ({ dialect: 'postgres', queries: 0, errors: 0, slowQueries: 0, commits: 0, rollbacks: 0, pool: { total: 0, idle: 0, waiting: 0 } });

export async function primaryWriter(o: PrimaryWriterOptions): Promise<PrimaryWriter> {
  let closed = false;
  let pending: Promise<string> | undefined;
  /**
   * Set when a search found no primary: until one is found, each call asks the hosts once more
   * before it runs, so a read never lands on a demoted primary that came back as a standby.
   */
  let suspect = false;
  /** Counters of the pools the writer left behind, so stats() keeps counting across a switch. */
  const retired = zeroStats();

  const find = async (rounds: number): Promise<PostgresHost> => {
    if (o.hosts.length === 1) return o.hosts[0] as PostgresHost;
    for (let attempt = 1; ; attempt++) {
      try {
        return await discoverPrimary(o.hosts, o.discovery);
      } catch (error) {
        if (!(error instanceof NoPrimaryError) || attempt >= rounds) throw error;
        await o.clock.sleep(o.discoveryIntervalMs);
      }
    }
  };

  let host = await find(o.discoveryAttempts);
  let current = await o.open(host, true);

  const rediscover = (rounds = o.discoveryAttempts): Promise<string> => {
    if (closed) return Promise.reject(new StorageClosedError());
    pending ??= (async () => {
      let found: PostgresHost;
      try {
        found = await find(rounds);
      } catch (error) {
        suspect = true;
        throw error;
      }
      suspect = false;
      if (found.name === host.name) return host.name; // the same primary: its pool replaces broken connections itself
      const next = await o.open(found, false);
      if (closed) {
        await next.close();
        throw new StorageClosedError();
      }
      const from = host.name;
      const old = current;
      host = found;
      current = next;
      const s = old.stats();
      for (const key of ['queries', 'errors', 'slowQueries', 'commits', 'rollbacks'] as const) retired[key] += s[key];
      // Statements still running on the old pool finish (or fail) there; it closes when they are done.
      void old.close().catch(() => undefined);
      o.events.emit('primaryChange', { from, to: found.name, reason: 'primary-moved', at: o.clock.now() });
      return found.name;
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  /** Runs `op` on the primary; on a sign that the primary moved, finds it again and retries once when safe. */
  const onPrimary = async <T>(op: (db: PostgresStorage) => Promise<T>): Promise<T> => {
    if (pending) await pending.catch(() => undefined);
    else if (suspect) await rediscover(1).catch(() => undefined);
    try {
      return await op(current);
    } catch (error) {
      if (closed || !isPrimaryLost(error) || o.hosts.length === 1) throw error;
      if (!mayRetryWrite(error)) {
        // Outcome unknown: never sent again. The next call must still find the primary.
        void rediscover().catch(() => undefined);
        throw error;
      }
      try {
        await rediscover();
      } catch {
        throw error; // no primary to retry on: the caller sees the original failure (the spool recognises it)
      }
      return op(current);
    }
  };

  const writer: PrimaryWriter = {
    dialect: 'postgres',
    get schema() {
      return current.schema;
    },
    get pool() {
      return current.pool;
    },
    get host() {
      return host.name;
    },
    run: (sql, params) => onPrimary((db) => db.run(sql, params)),
    all: <R extends Row>(sql: string, params?: readonly SqlValue[]) => onPrimary((db) => db.all<R>(sql, params)),
    one: <R extends Row>(sql: string, params?: readonly SqlValue[]) => onPrimary((db) => db.one<R>(sql, params)),
    exec: (script) => onPrimary((db) => db.exec(script)),
    transaction: <T>(work: UnitOfWork<T>) => onPrimary((db) => db.transaction(work)),
    migrate: (migrations): Promise<MigrationResult> => runMigrations(writer, migrations, () => o.clock.now()),
    ping: () => current.ping(),
    stats(): StorageStats {
      const s = current.stats();
      return {
        ...s,
        queries: s.queries + retired.queries,
        errors: s.errors + retired.errors,
        slowQueries: s.slowQueries + retired.slowQueries,
        commits: s.commits + retired.commits,
        rollbacks: s.rollbacks + retired.rollbacks,
      };
    },
    rediscover: () => rediscover(),
    async close() {
      if (closed) return;
      closed = true;
      await pending?.catch(() => undefined);
      await current.close();
    },
  };
  return writer;
}
