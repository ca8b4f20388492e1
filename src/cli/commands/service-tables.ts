/**
 * The configured service's PostgreSQL tables as a backup provider, for `bulwark backup restore
 * --config FILE` of a PostgreSQL service: the database named by the configuration, its data directory locked
 * while the restore runs (a service running on it refuses, and so does the restore).
 */
import { SERVICE_TABLES, storageTablesProvider } from '../../backup/storage-tables.js';
import type { StateProvider } from '../../backup/provider.js';
import { SERVICE_TABLES_PROVIDER, readConfigFile } from '../../server/configured.js';
import { SERVICE_MIGRATIONS } from '../../server/configured-stores.js';
import { lockDataDir } from '../../storage/data-dir-lock.js';
import { postgresStorage } from '../../storage/postgres.js';

export { SERVICE_TABLES_PROVIDER };

export async function openServiceTables(file: string): Promise<{ provider: StateProvider; close(): Promise<void> }> {
  const config = readConfigFile(file);
  if (config.storage.kind !== 'postgres') throw new Error(`--config: ${file} names SQLite storage, which is restored as a file (its database is in the backup)`);
  const lock = lockDataDir(config.dataDir, { what: 'bulwark backup restore' });
  try {
    const storage = await postgresStorage({ connectionString: config.storage.postgresUrl, ...(config.storage.postgresSchema ? { schema: config.storage.postgresSchema } : {}), migrate: false });
    return {
      provider: storageTablesProvider(storage, SERVICE_TABLES, { migrations: SERVICE_MIGRATIONS }),
      async close() {
        await storage.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
