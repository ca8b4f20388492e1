/**
 * The `secrets` step of `bulwark config check` for `secret:NAME` references: opens the configured
 * database read-only (a SQLite file that does not exist, or a PostgreSQL schema that does not,
 * holds no secrets) and reads each reference with the configured key, changing nothing. The
 * values are decrypted to prove the key opens them, then dropped: none is printed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigIssue } from '../../config/config-error.js';
import { sourceOf } from '../../config/layers.js';
import type { BulwarkConfig } from '../../config/schema.js';
import { secretReferences } from '../../config/secret-references.js';
import { readConfigSecrets } from '../../server/configured-secrets.js';
import { postgresStorage } from '../../storage/postgres.js';
import type { Queryable } from '../../storage/types.js';
import { readOnlySqlite } from './migration-reader.js';

const noStore = (config: BulwarkConfig, sources: ReadonlyMap<string, string>): ConfigIssue[] =>
  secretReferences(config).map((r) => ({ path: r.path, source: sourceOf(sources, r.path), reason: `references secret "${r.name}", but the database holds no secrets yet (bulwark secrets set ${r.name})` }));

async function readWith(config: BulwarkConfig, sources: ReadonlyMap<string, string>, db: Queryable): Promise<ConfigIssue[]> {
  const table = db.dialect === 'sqlite' ? await db.one("SELECT 1 AS ok FROM sqlite_master WHERE type = 'table' AND name = 'secrets'") : await db.one("SELECT 1 AS ok FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'secrets'");
  if (!table) return noStore(config, sources);
  return (await readConfigSecrets(config, db, { sources })).issues;
}

export async function checkStoredSecrets(config: BulwarkConfig, sources: ReadonlyMap<string, string>): Promise<ConfigIssue[]> {
  if (config.storage.kind === 'postgres') {
    const schema = config.storage.postgresSchema ?? 'public';
    const probe = await postgresStorage({ connectionString: config.storage.postgresUrl, migrate: false, min: 0, max: 1 });
    try {
      if (schema !== 'public' && !(await probe.one('SELECT 1 AS ok FROM information_schema.schemata WHERE schema_name = ?', [schema]))) return noStore(config, sources);
    } finally {
      await probe.close();
    }
    const storage = await postgresStorage({ connectionString: config.storage.postgresUrl, ...(schema !== 'public' ? { schema } : {}), migrate: false, min: 0, max: 1 });
    try {
      return await readWith(config, sources, storage);
    } finally {
      await storage.close();
    }
  }
  const path = join(config.dataDir, 'bulwark.db');
  if (!existsSync(path)) return noStore(config, sources);
  const db = readOnlySqlite(path);
  try {
    return await readWith(config, sources, db);
  } finally {
    db.close();
  }
}
