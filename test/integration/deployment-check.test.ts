/**
 * The deployment dry-run's default probes and the storage health check against the real
 * PostgreSQL and Redis of the test machine.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { checkDeployment } from '../../src/config/deployment-check.js';
import { storageCheck } from '../../src/health/checks/storage.js';
import { HealthRegistry } from '../../src/health/registry.js';
import { describeWith, postgresUrl, probeRedis, redisUrl, requireService } from '../support/services.js';
import { readMigrations, releaseMigrations } from '../../src/cli/commands/migration-reader.js';
import { loadConfig } from '../../src/config/loader.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const postgresUp = await requireService('PostgreSQL', probePostgres);
const redisUp = await requireService('Redis', probeRedis);

describeWith(postgresUp && redisUp, 'deployment check and storage health against real services', () => {
  it('passes storage and redis with the default probes when both answer', async () => {
    const result = await checkDeployment({
      environment: {},
      readFile: () => undefined,
      overrides: { storage: { kind: 'postgres', postgresUrl, redisUrl } },
    });
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['config:ok', 'secrets:ok', 'data:ok', 'storage:ok', 'redis:ok', 'migrations:skipped']);
    expect(result.ok).toBe(true);
  });

  it('fails the storage step for a database that does not exist, without printing credentials', async () => {
    const url = new URL(postgresUrl);
    url.password = 'pw-not-to-print';
    url.pathname = '/bulwark_no_such_database';
    const result = await checkDeployment({ environment: {}, readFile: () => undefined, overrides: { storage: { kind: 'postgres', postgresUrl: url.toString() } } });
    const storage = result.steps.find((s) => s.name === 'storage')!;
    expect(storage.status).toBe('failed');
    expect(JSON.stringify(result)).not.toContain('pw-not-to-print');
    expect(result.ok).toBe(false);
  });

  it('storageCheck is up for a live ioredis client', async () => {
    const client = new Redis(redisUrl);
    try {
      const registry = new HealthRegistry();
      registry.register(storageCheck({ name: 'redis', target: client }));
      expect((await registry.check()).checks[0]!.status).toBe('up');
    } finally {
      client.disconnect();
    }
  });

  it('reads the migrations of the configured PostgreSQL schema, creating nothing when it does not exist yet', async () => {
    const schema = uniqueSchema('bw_check_mig');
    const config = loadConfig({ environment: {}, readFile: () => undefined, overrides: { storage: { kind: 'postgres', postgresUrl, postgresSchema: schema } } }).config;
    try {
      expect(await readMigrations(config)).toEqual({ pending: releaseMigrations.map((m) => m.id), changed: [], unknown: [] });
      expect(await adminQuery('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).toEqual([]);
      const storage = await postgresStorage({ connectionString: postgresUrl, schema, migrations: releaseMigrations });
      await storage.close();
      expect(await readMigrations(config)).toEqual({ pending: [], changed: [], unknown: [] });
    } finally {
      await dropSchema(schema);
    }
  });
});
