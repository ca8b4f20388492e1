/** A primary store for spool tests that can be switched off, over a real SQLite database. */
import type { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage, UnitOfWork } from '../../src/storage/types.js';

export const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/**
 * `down`: every transaction fails before it starts.
 * `loseAcks`: the transaction commits, then the caller sees a connection error (an ambiguous commit).
 */
export function switchable(inner: SqliteStorage): Storage & { down: boolean; loseAcks: boolean } {
  const primary = {
    down: false,
    loseAcks: false,
    dialect: inner.dialect,
    run: inner.run.bind(inner),
    all: inner.all.bind(inner),
    one: inner.one.bind(inner),
    exec: inner.exec.bind(inner),
    migrate: inner.migrate.bind(inner),
    ping: inner.ping.bind(inner),
    stats: inner.stats.bind(inner),
    close: inner.close.bind(inner),
    async transaction<T>(work: UnitOfWork<T>): Promise<T> {
      if (primary.down) throw refused();
      const result = await inner.transaction(work);
      if (primary.loseAcks) throw Object.assign(new Error('Connection terminated unexpectedly'), {});
      return result;
    },
  };
  return primary;
}
