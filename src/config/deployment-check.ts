/**
 * The deployment dry-run behind `bulwark config check`: the configuration is valid, required
 * secrets are present, storage answers, and migrations are current. Every step is reported;
 * error messages are sanitised of secrets.
 */
import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { sanitizeText } from '../core/secrets.js';
import { secretReferences } from './secret-references.js';
import { accountsOf } from './accounts.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { sourceOf } from './layers.js';
import { type LoadConfigOptions, loadConfig } from './loader.js';
import type { BulwarkConfig } from './schema.js';
import type { MigrationStatus } from '../storage/migrations/status.js';

export type StepStatus = 'ok' | 'failed' | 'skipped';

export interface DeploymentStep {
  name: 'config' | 'secrets' | 'data' | 'storage' | 'replicas' | 'redis' | 'exchange' | 'migrations';
  status: StepStatus;
  detail: string;
}

export interface DeploymentCheckResult {
  ok: boolean;
  env: string | undefined;
  steps: DeploymentStep[];
}

export interface DeploymentProbes {
  /** Resolves when PostgreSQL answers `SELECT 1` at `url`. */
  postgres?: (url: string) => Promise<void>;
  /** Resolves when Redis answers PING at `url`. */
  redis?: (url: string) => Promise<void>;
  /** Resolves when the data directory is writable, or can be created (its nearest existing ancestor is a writable folder). */
  dataDir?: (path: string) => Promise<string | void>;
  /** Valid settings the service would still refuse at start (it cannot honour them); each names its key. */
  refused?: (config: BulwarkConfig, sources: ReadonlyMap<string, string>) => ConfigIssue[];
  /** Resolves when the configured exchange's public endpoint answers (no credentials used). */
  exchange?: (config: BulwarkConfig) => Promise<string>;
  /**
   * Reads (without applying) the configured database's migrations against the release's. The
   * step is skipped when none is given. Pending ones are fine (they run at start-up); changed or
   * unknown ones fail the check.
   */
  migrations?: (config: BulwarkConfig) => Promise<MigrationStatus>;
  /**
   * Reads (read-only) each `secret:NAME` reference from the encrypted store with the configured
   * key; returns the ones that cannot be read, each naming its key. Not run when there are none.
   */
  storedSecrets?: (config: BulwarkConfig, sources: ReadonlyMap<string, string>) => Promise<ConfigIssue[]>;
}

const defaultProbes: Required<Omit<DeploymentProbes, 'migrations' | 'exchange' | 'refused' | 'storedSecrets'>> = {
  async postgres(url) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  async redis(url) {
    const { Redis } = await import('ioredis');
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 5_000, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  },
  async dataDir(path) {
    // The folder itself when it exists, or the nearest ancestor that does (start-up creates the rest).
    let at = resolve(path);
    for (;;) {
      const found = await stat(at).catch((error: { code?: unknown }) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
        throw new Error(`data directory ${path} cannot be used: ${String(error.code ?? 'unreadable')}`);
      });
      if (found) {
        if (!found.isDirectory()) throw new Error(`data directory ${path} cannot be created: ${at === resolve(path) ? 'it' : at} is a file, not a folder`);
        await access(at, constants.W_OK | constants.X_OK).catch(() => {
          throw new Error(`data directory ${path} ${at === resolve(path) ? 'is not writable' : `cannot be created: ${at} is not writable`}`);
        });
        return at === resolve(path) ? `data directory ${path} is writable` : `data directory ${path} can be created (start-up creates it)`;
      }
      if (dirname(at) === at) throw new Error(`data directory ${path} cannot be created`);
      at = dirname(at);
    }
  },
};

const message = (error: unknown): string => sanitizeText(error instanceof Error ? error.message : String(error));

export async function checkDeployment(options: LoadConfigOptions & { probes?: DeploymentProbes } = {}): Promise<DeploymentCheckResult> {
  const probes = { ...defaultProbes, ...options.probes };
  const steps: DeploymentStep[] = [];
  let config: BulwarkConfig;
  let loadedSources: ReadonlyMap<string, string>;
  try {
    const loaded = loadConfig(options);
    config = loaded.config;
    loadedSources = loaded.sources;
    const refused = options.probes?.refused?.(config, loaded.sources) ?? [];
    if (refused.length > 0) throw new ConfigError(refused);
    steps.push({ name: 'config', status: 'ok', detail: loaded.files.length > 0 ? `valid (${loaded.files.join(', ')})` : 'valid (defaults and environment only)' });
  } catch (error) {
    steps.push({ name: 'config', status: 'failed', detail: error instanceof ConfigError ? error.message : message(error) });
    const secretIssues = error instanceof ConfigError ? error.issues.filter((i) => i.reason.startsWith('required secret')) : [];
    if (secretIssues.length > 0) steps.push({ name: 'secrets', status: 'failed', detail: `missing: ${secretIssues.map((i) => i.path).join(', ')}` });
    return { ok: false, env: options.env, steps };
  }

  const accounts = accountsOf(config);
  const needed = config.features.liveTrading ? accounts.flatMap((a) => [`${a.path}.apiKey`, `${a.path}.secret`]) : [];
  const fromFile = config.features.liveTrading && accounts.some((a) => a.settings.credentialsFile && !(a.settings.apiKey && a.settings.secret));
  const written = needed.length === 0 ? 'none required (live trading off)' : fromFile ? `${needed.join(', ')} (from the credentials file where one is named: read by the exchange step)` : `present: ${needed.join(', ')}`;
  const references = secretReferences(config);
  if (references.length > 0 && probes.storedSecrets) {
    // `secret:NAME` values: each must be stored and open under the configured key.
    try {
      const unreadable = await probes.storedSecrets(config, loadedSources);
      steps.push(
        unreadable.length > 0
          ? { name: 'secrets', status: 'failed', detail: unreadable.map((i) => `${i.path} (from ${i.source}): ${i.reason}`).join('; ') }
          : { name: 'secrets', status: 'ok', detail: `${written}; stored and readable: ${references.map((r) => `${r.path} (secret:${r.name})`).join(', ')}` },
      );
    } catch (error) {
      steps.push({ name: 'secrets', status: 'failed', detail: `the stored secrets cannot be read: ${message(error)}` });
    }
  } else steps.push({ name: 'secrets', status: 'ok', detail: written });

  // Every deployment uses its data directory (the lock, the spool, backups; SQLite's database too).
  try {
    const detail = await probes.dataDir(config.dataDir);
    steps.push({ name: 'data', status: 'ok', detail: detail || `data directory ${config.dataDir} is writable` });
  } catch (error) {
    steps.push({ name: 'data', status: 'failed', detail: `dataDir (from ${sourceOf(loadedSources, 'dataDir')}): ${message(error)}` });
  }

  try {
    if (config.storage.kind === 'postgres') {
      await probes.postgres(config.storage.postgresUrl!);
      steps.push({ name: 'storage', status: 'ok', detail: `PostgreSQL answers${config.storage.postgresSchema ? ` (schema ${config.storage.postgresSchema})` : ''}` });
    } else {
      steps.push({ name: 'storage', status: steps.at(-1)!.status, detail: `SQLite in ${config.dataDir}` });
    }
  } catch (error) {
    steps.push({ name: 'storage', status: 'failed', detail: `storage.postgresUrl (from ${sourceOf(loadedSources, 'storage.postgresUrl')}): ${message(error)}` });
  }

  // Each replica answers (one down does not stop the service: its reads go to the primary, but the check says so).
  const replicas = config.storage.kind === 'postgres' ? (config.storage.postgresReplicaUrls ?? []) : [];
  if (replicas.length > 0) {
    const failures: string[] = [];
    for (const [i, url] of replicas.entries()) {
      const key = `storage.postgresReplicaUrls.${i}`;
      await probes.postgres(url).catch((error: unknown) => failures.push(`${key} (from ${sourceOf(loadedSources, key)}): ${message(error)}`));
    }
    steps.push(failures.length === 0 ? { name: 'replicas', status: 'ok', detail: `${replicas.length} PostgreSQL replica(s) answer` } : { name: 'replicas', status: 'failed', detail: failures.join('; ') });
  }

  if (config.storage.redisUrl) {
    try {
      await probes.redis(config.storage.redisUrl);
      steps.push({ name: 'redis', status: 'ok', detail: 'Redis answers' });
    } catch (error) {
      steps.push({ name: 'redis', status: 'failed', detail: `storage.redisUrl (from ${sourceOf(loadedSources, 'storage.redisUrl')}): ${message(error)}` });
    }
  }

  // Each account (`exchange:`, or every entry of `exchanges:`) is probed on its own public endpoint.
  for (const account of accountsOf(config)) {
    const named = config.exchanges ? `account ${account.name}: ` : '';
    if (!options.probes?.exchange) {
      steps.push({ name: 'exchange', status: 'skipped', detail: `${named}no exchange probe given` });
      continue;
    }
    try {
      const detail = await options.probes.exchange(account.config);
      steps.push({ name: 'exchange', status: 'ok', detail: `${named}${detail}` });
    } catch (error) {
      steps.push({ name: 'exchange', status: 'failed', detail: `${account.path} (from ${sourceOf(loadedSources, `${account.path}.id`)}): ${message(error)}` });
    }
  }

  if (!options.probes?.migrations) {
    steps.push({ name: 'migrations', status: 'skipped', detail: 'no migration reader given' });
  } else if (steps.some((s) => (s.name === 'storage' || (s.name === 'data' && config.storage.kind === 'sqlite')) && s.status === 'failed')) {
    steps.push({ name: 'migrations', status: 'skipped', detail: 'storage unreachable' });
  } else {
    try {
      const { pending, changed, unknown } = await options.probes.migrations(config);
      if (changed.length > 0) {
        steps.push({ name: 'migrations', status: 'failed', detail: `changed since they were applied (start-up will refuse them): ${changed.join(', ')}` });
      } else if (unknown.length > 0) {
        steps.push({ name: 'migrations', status: 'failed', detail: `the database holds migrations this release does not know (a newer release ran here): ${unknown.join(', ')}` });
      } else {
        steps.push({ name: 'migrations', status: 'ok', detail: pending.length === 0 ? 'current' : `${pending.length} pending, applied at start-up: ${pending.join(', ')}` });
      }
    } catch (error) {
      steps.push({ name: 'migrations', status: 'failed', detail: message(error) });
    }
  }
  return { ok: steps.every((s) => s.status !== 'failed'), env: config.env, steps };
}
