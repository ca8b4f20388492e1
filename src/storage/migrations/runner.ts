import { createHash } from 'node:crypto';
import { MigrationChangedError } from '../errors.js';
import type { Dialect, Migration, MigrationResult, Queryable, UnitOfWork } from '../types.js';
import { checkNonEmptyString } from '../../core/option-checks.js';

/** The SQL a migration runs on `dialect`. */
export function migrationSql(migration: Migration, dialect: Dialect): string {
  return typeof migration.up === 'string' ? migration.up : migration.up[dialect];
}

/** The checksum recorded for an applied migration (SHA-256 of its SQL). */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

function checkMigrations(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const [index, migration] of migrations.entries()) {
    checkNonEmptyString('migrate', `migrations[${index}].id`, migration.id, true);
    if (seen.has(migration.id)) throw new RangeError(`migrate: migration id "${migration.id}" appears twice`);
    seen.add(migration.id);
  }
}

/**
 * Applies the missing migrations in one transaction. The caller's `transaction` must take a
 * lock that other processes respect: on PostgreSQL the runner itself takes a transaction-scoped
 * advisory lock (keyed by the current schema), on SQLite the backend's transactions begin
 * IMMEDIATE, which holds the database's write lock.
 */
export async function runMigrations(
  storage: { readonly dialect: Dialect; transaction<T>(work: UnitOfWork<T>): Promise<T> },
  migrations: readonly Migration[],
  now: () => number,
): Promise<MigrationResult> {
  checkMigrations(migrations);
  return storage.transaction(async (tx: Queryable) => {
    if (tx.dialect === 'postgres') {
      await tx.all(`SELECT pg_advisory_xact_lock(hashtext('bulwark.migrations:' || current_schema()))`);
    }
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`);
    const rows = await tx.all<{ id: string; checksum: string }>('SELECT id, checksum FROM schema_migrations');
    const recorded = new Map(rows.map((row) => [row.id, row.checksum]));
    const result: MigrationResult = { applied: [], skipped: [] };
    for (const migration of migrations) {
      const sql = migrationSql(migration, tx.dialect);
      const sum = migrationChecksum(sql);
      const previous = recorded.get(migration.id);
      if (previous !== undefined) {
        if (previous !== sum) throw new MigrationChangedError(migration.id);
        result.skipped.push(migration.id);
        continue;
      }
      await tx.exec(sql);
      await tx.run('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES (?, ?, ?)', [migration.id, sum, now()]);
      result.applied.push(migration.id);
    }
    return result;
  });
}
