/**
 * Where a command finds the service's data, the way `bulwark start` does: `--config FILE` (its
 * `dataDir` and `storage`), else `--data-dir DIR`, else `./.bulwark`. So `bulwark backup create`
 * or `bulwark dlq list` with no arguments, run where `bulwark start` ran, work on that service's
 * data. The configuration module is loaded only when `--config` is given.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { Storage } from '../storage/types.js';

export interface DataFlags {
  /** The service's configuration file (YAML). */
  config?: string;
  /** The demo service's data directory. */
  dataDir?: string;
}

export const DATA_LOCATION_DEFAULTS = {
  dataDir: './.bulwark', // where `bulwark start` keeps its data when run in the same folder
  database: 'bulwark.db', // the SQLite file inside the data directory (storage/sqlite.ts)
  backups: 'backups', // the service's backups folder inside the data directory
  demoQueue: 'orders', // the dead-letter queue the demo fills (demo/demo.ts)
  configuredQueue: 'default', // the dead-letter queue a configured service fills (server/configured.ts)
} as const;

export type DataStorage = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string };

export interface DataLocation {
  dataDir: string;
  /** The configuration file it came from, if any. */
  configFile?: string;
  storage: DataStorage;
  /** The dead-letter queue the service fills. */
  queue: string;
  backupsDir: string;
  /** The security key file the configuration names (`security.keyFile`); `<dataDir>/security.key` when absent. */
  keyFile?: string;
  /** `security.previousKeyFiles`: previous service keys, still read to check older backups. */
  previousKeyFiles?: readonly string[];
}

/** Reads the flags (and the configuration file they name); refuses --data-dir with --config, as start does. */
export async function locateData(flags: DataFlags): Promise<DataLocation> {
  const d = DATA_LOCATION_DEFAULTS;
  if (flags.config !== undefined) {
    if (flags.dataDir !== undefined) throw new TypeError('--data-dir: not with --config (the file names its dataDir)');
    const { loadConfig } = await import('../config/loader.js');
    const { config } = loadConfig({ file: flags.config });
    const storage: DataStorage =
      config.storage.kind === 'postgres' && config.storage.postgresUrl
        ? { kind: 'postgres', url: config.storage.postgresUrl, ...(config.storage.postgresSchema ? { schema: config.storage.postgresSchema } : {}) }
        : { kind: 'sqlite', path: join(config.dataDir, d.database) };
    return { dataDir: config.dataDir, configFile: flags.config, storage, queue: d.configuredQueue, backupsDir: join(config.dataDir, d.backups), ...(config.security.keyFile !== undefined ? { keyFile: config.security.keyFile } : {}), ...(config.security.previousKeyFiles !== undefined ? { previousKeyFiles: config.security.previousKeyFiles } : {}) };
  }
  const dataDir = flags.dataDir ?? d.dataDir;
  return { dataDir, storage: { kind: 'sqlite', path: join(dataDir, d.database) }, queue: d.demoQueue, backupsDir: join(dataDir, d.backups) };
}

/** Adds `--config`, `--data-dir` and `--json` to a command that works on the service's data; `uses` says what it reads from the config. */
export function dataLocationOptions(command: Command, uses: string): Command {
  return command
    .option('--config <file>', `the service's configuration file: ${uses}`)
    .option('--data-dir <dir>', `the service's data directory (default ${DATA_LOCATION_DEFAULTS.dataDir})`)
    .option('--json', 'print JSON on stdout');
}

export interface OpenDataOptions {
  /** Create the SQLite database when it is missing (default false: refuse, naming the flag and `hint`). */
  create?: boolean;
  /** What to do first when the database is missing, e.g. "start the service first (bulwark start)". */
  hint?: string;
  /** Run the storage layer's own migrations (default true). */
  migrate?: boolean;
}

/** The storage a located service keeps its data in; the storage modules load only here. */
export async function openDataStorage(location: DataLocation, options: OpenDataOptions = {}): Promise<Storage> {
  const target = location.storage;
  if (target.kind === 'postgres') {
    const { postgresStorage } = await import('../storage/postgres.js');
    return postgresStorage({ connectionString: target.url, ...(target.schema ? { schema: target.schema } : {}), ...(options.migrate === false ? { migrate: false } : {}), min: 0, max: 2 });
  }
  if (!options.create && !existsSync(target.path)) {
    const named = location.configFile !== undefined ? '--config' : '--data-dir';
    throw new Error(`${named}: no database (${basename(target.path)}) in ${location.dataDir}; ${options.hint ?? 'start the service first (bulwark start)'}, or give --data-dir or --config`);
  }
  const { sqliteStorage } = await import('../storage/sqlite.js');
  return sqliteStorage({ path: target.path });
}
