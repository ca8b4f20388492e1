/**
 * What a database holds against the migrations a release knows, read without changing anything
 * (the deployment dry-run uses it before a release first starts).
 */
import type { Migration, Queryable } from '../types.js';
import { migrationChecksum, migrationSql } from './runner.js';

export interface MigrationStatus {
  /** Known migrations the database has not applied yet (they run at start-up). */
  pending: string[];
  /** Applied migrations whose SQL has changed since: start-up will refuse them. */
  changed: string[];
  /** Migrations the database recorded that this release does not know (a newer release ran here). */
  unknown: string[];
}

async function hasMigrationsTable(db: Queryable): Promise<boolean> {
  const row =
    db.dialect === 'postgres'
      ? await db.one<{ [c: string]: unknown; t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`)
      : await db.one<{ [c: string]: unknown; t: string | null }>(`SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`);
  return row?.t != null;
}

/** Compares `db`'s schema_migrations with `migrations`; reads only. */
export async function migrationStatus(db: Queryable, migrations: readonly Migration[]): Promise<MigrationStatus> {
  const recorded = new Map<string, string>();
  if (await hasMigrationsTable(db)) {
    for (const row of await db.all<{ [c: string]: unknown; id: string; checksum: string }>('SELECT id, checksum FROM schema_migrations')) {
      recorded.set(row.id, row.checksum);
    }
  }
  const known = new Set(migrations.map((m) => m.id));
  const status: MigrationStatus = { pending: [], changed: [], unknown: [] };
  for (const migration of migrations) {
    const sum = recorded.get(migration.id);
    if (sum === undefined) status.pending.push(migration.id);
    else if (sum !== migrationChecksum(migrationSql(migration, db.dialect))) status.changed.push(migration.id);
  }
  for (const id of recorded.keys()) if (!known.has(id)) status.unknown.push(id);
  return status;
}
