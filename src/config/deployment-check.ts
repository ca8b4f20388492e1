/**
 * The deployment dry-run behind `bulwark config check`: the configuration is valid, required
 * secrets are present, storage answers, and migrations are current. Every step is reported;
 * error messages are sanitised of secrets.
 */
import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sanitizeText } from '../core/secrets.js';
import { ConfigError } from './config-error.js';
import { type LoadConfigOptions, loadConfig } from './loader.js';
import type { BulwarkConfig } from './schema.js';
import type { MigrationStatus } from '../storage/migrations/status.js';

export type StepStatus = 'ok' | 'failed' | 'skipped';

export interface DeploymentStep {
  name: 'config' | 'secrets' | 'storage' | 'redis' | 'migrations';
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
  /** Resolves when the data directory (or the folder that will hold it) is writable. */
  dataDir?: (path: string) => Promise<void>;
  /**
   * Reads (without applying) the configured database's migrations against the release's. The
   * step is skipped when none is given. Pending ones are fine (they run at start-up); changed or
   * unknown ones fail the check.
   */
  migrations?: (config: BulwarkConfig) => Promise<MigrationStatus>;
}

const defaultProbes: Required<Omit<DeploymentProbes, 'migrations'>> = {
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
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
      await access(dirname(path), constants.W_OK);
    }
  },
};

const message = (error: unknown): string => sanitizeText(error instanceof Error ? error.message : String(error));

export async function checkDeployment(options: LoadConfigOptions & { probes?: DeploymentProbes } = {}): Promise<DeploymentCheckResult> {
  const probes = { ...defaultProbes, ...options.probes };
  const steps: DeploymentStep[] = [];
  let config: BulwarkConfig;
  try {
    const loaded = loadConfig(options);
    config = loaded.config;
    steps.push({ name: 'config', status: 'ok', detail: loaded.files.length > 0 ? `valid (${loaded.files.join(', ')})` : 'valid (defaults and environment only)' });
  } catch (error) {
    steps.push({ name: 'config', status: 'failed', detail: error instanceof ConfigError ? error.message : message(error) });
    const secretIssues = error instanceof ConfigError ? error.issues.filter((i) => i.reason.startsWith('required secret')) : [];
    if (secretIssues.length > 0) steps.push({ name: 'secrets', status: 'failed', detail: `missing: ${secretIssues.map((i) => i.path).join(', ')}` });
    return { ok: false, env: options.env, steps };
  }

  const needed = config.features.liveTrading ? ['exchange.apiKey', 'exchange.secret'] : [];
  steps.push({ name: 'secrets', status: 'ok', detail: needed.length > 0 ? `present: ${needed.join(', ')}` : 'none required (live trading off)' });

  try {
    if (config.storage.kind === 'postgres') {
      await probes.postgres(config.storage.postgresUrl!);
      steps.push({ name: 'storage', status: 'ok', detail: 'PostgreSQL answers' });
    } else {
      await probes.dataDir(config.dataDir);
      steps.push({ name: 'storage', status: 'ok', detail: `SQLite data directory ${config.dataDir} is writable` });
    }
  } catch (error) {
    steps.push({ name: 'storage', status: 'failed', detail: message(error) });
  }

  if (config.storage.redisUrl) {
    try {
      await probes.redis(config.storage.redisUrl);
      steps.push({ name: 'redis', status: 'ok', detail: 'Redis answers' });
    } catch (error) {
      steps.push({ name: 'redis', status: 'failed', detail: message(error) });
    }
  }

  if (!options.probes?.migrations) {
    steps.push({ name: 'migrations', status: 'skipped', detail: 'no migration reader given' });
  } else if (steps.some((s) => s.name === 'storage' && s.status === 'failed')) {
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
