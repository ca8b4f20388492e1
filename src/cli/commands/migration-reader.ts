/**
 * Reads the configured database's migration state for `bulwark config check`, changing nothing:
 * a SQLite file is opened read-only (a missing file means every migration is pending), and
 * PostgreSQL is opened without migrating.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BulwarkConfig } from '../../config/schema.js';
import { type MigrationStatus, migrationStatus } from '../../storage/migrations/status.js';
import { postgresStorage } from '../../storage/postgres.js';
import { SERVICE_MIGRATIONS } from '../../server/configured-stores.js';
import type { Migration, Queryable, SqlValue } from '../../storage/types.js';

/** Every migration a release runs at start-up, the security tables' (tokens, sessions, audit log) included. */
export const releaseMigrations: readonly Migration[] = SERVICE_MIGRATIONS;

/** A SQLite database opened read-only: statements that write are refused. */
export function readOnlySqlite(path: string): Queryable & { close(): void } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const refuse = (): never => {
    throw new Error('the deployment check opens the database read-only');
  };
  return {
    dialect: 'sqlite',
    all: async (sql, params: readonly SqlValue[] = []) => db.prepare(sql).all(...params) as never,
    one: async (sql, params: readonly SqlValue[] = []) => db.prepare(sql).get(...params) as never,
    run: async () => refuse(),
    exec: async () => refuse(),
    close: () => db.close(),
  };
}

export async function readMigrations(config: BulwarkConfig, migrations: readonly Migration[] = releaseMigrations): Promise<MigrationStatus> {
  if (config.storage.kind === 'postgres') {
    const schema = config.storage.postgresSchema ?? 'public';
    const storage = await postgresStorage({ connectionString: config.storage.postgresUrl, migrate: false });
    try {
      // A schema that does not exist yet is created at start-up: every migration is pending, and the check creates nothing.
      if (schema !== 'public') {
        const found = await storage.one('SELECT 1 AS ok FROM information_schema.schemata WHERE schema_name = ?', [schema]);
        if (!found) return { pending: migrations.map((m) => m.id), changed: [], unknown: [] };
        await storage.close();
        const inSchema = await postgresStorage({ connectionString: config.storage.postgresUrl, schema, migrate: false });
        try {
          return await migrationStatus(inSchema, migrations);
        } finally {
          await inSchema.close();
        }
      }
      return await migrationStatus(storage, migrations);
    } finally {
      await storage.close();
    }
  }
  const path = join(config.dataDir, 'bulwark.db');
  if (!existsSync(path)) return { pending: migrations.map((m) => m.id), changed: [], unknown: [] };
  const db = readOnlySqlite(path);
  try {
    return await migrationStatus(db, migrations);
  } finally {
    db.close();
  }
}
