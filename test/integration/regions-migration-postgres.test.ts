/**
 * The region lease's table is the service's migration `failover-001-region-leases`: the service's
 * stores apply it at start on PostgreSQL, `config check` lists it until then, a database that holds
 * the table from before it was a migration keeps its lease (and its epoch), and a store over a
 * database without it names the migration. Skips with one line when PostgreSQL is unreachable
 * (fails instead with BULWARK_REQUIRE_SERVICES=1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readMigrations } from '../../src/cli/commands/migration-reader.js';
import { loadConfig } from '../../src/config/loader.js';
import { openConfiguredStores, SERVICE_MIGRATIONS } from '../../src/server/configured-stores.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { postgresRegionLeases, regionLeasesMigration } from '../../src/storage/repos/region-leases.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);
const ID = 'failover-001-region-leases';
const schemas: string[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-region-migration-'));
});
afterAll(async () => {
  if (available) for (const s of schemas) await dropSchema(s);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A region's configuration on its own schema, the region named from the environment as a deployment would. */
const regionConfig = (schema: string) =>
  loadConfig({
    environment: { BULWARK_REGION__NAME: 'eu', BULWARK_REGION__LEASE__NAME: 'trading' },
    readFile: () => undefined,
    overrides: { dataDir: join(dir, schema), storage: { kind: 'postgres', postgresUrl, postgresSchema: schema } },
  }).config;

const recorded = async (schema: string): Promise<string[]> =>
  (await adminQuery<{ id: string }>(`SELECT id FROM "${schema}".schema_migrations WHERE id LIKE 'failover-%' ORDER BY id`)).map((r) => r.id);

describeWith(available, 'the region lease migration', () => {
  it('is one of the service migrations, with the id of its area', () => {
    expect(regionLeasesMigration.id).toBe(ID);
    expect(SERVICE_MIGRATIONS.filter((m) => m.id === ID)).toEqual([regionLeasesMigration]);
  });

  it('is pending for config check until the service starts, which applies it; the lease then works', async () => {
    const schema = uniqueSchema('bw_region_mig');
    schemas.push(schema);
    const config = regionConfig(schema);
    expect(config.region).toEqual({ name: 'eu', lease: { name: 'trading' } });
    expect((await readMigrations(config)).pending).toContain(ID);
    const stores = await openConfiguredStores(config);
    try {
      expect(await recorded(schema)).toEqual([ID]);
      const status = await readMigrations(config);
      expect(status.pending).not.toContain(ID);
      expect(status.changed).toEqual([]);
      const store = postgresRegionLeases(stores.storage);
      expect(await store.acquire('trading', 'eu', 5_000, 0)).toMatchObject({ held: true, lease: { holder: 'eu', epoch: 1 } });
    } finally {
      await stores.close();
    }
  });

  it('a database holding the table from before it was a migration keeps its lease and epoch', async () => {
    const schema = uniqueSchema('bw_region_old');
    schemas.push(schema);
    // As an older release left it: the table created on first use, outside schema_migrations, holding a lease at epoch 7.
    await adminQuery(`CREATE SCHEMA "${schema}"`);
    await adminQuery(`CREATE TABLE "${schema}".bulwark_region_leases (name text PRIMARY KEY, holder text NOT NULL, epoch bigint NOT NULL,
      expires_at_ms bigint NOT NULL, acquired_at_ms bigint NOT NULL, released boolean NOT NULL, grant_ms bigint NOT NULL)`);
    await adminQuery(`INSERT INTO "${schema}".bulwark_region_leases VALUES ('trading', 'us', 7, 0, 0, false, 0)`);
    const config = regionConfig(schema);
    expect((await readMigrations(config)).pending).toContain(ID);
    const stores = await openConfiguredStores(config);
    try {
      expect(await recorded(schema)).toEqual([ID]);
      const store = postgresRegionLeases(stores.storage);
      expect(await store.read('trading')).toMatchObject({ held: false, lease: { holder: 'us', epoch: 7 } });
      // Expired long ago: the next holder takes it under the next epoch, never a smaller one (the fencing token only grows).
      expect(await store.acquire('trading', 'eu', 5_000, 0)).toMatchObject({ held: true, lease: { holder: 'eu', epoch: 8 } });
    } finally {
      await stores.close();
    }
  });

  it('a store over a database without the table names the migration to apply', async () => {
    const schema = uniqueSchema('bw_region_none');
    schemas.push(schema);
    const storage = await postgresStorage({ connectionString: postgresUrl, schema, max: 1 });
    try {
      await expect(postgresRegionLeases(storage).read('trading')).rejects.toThrow(
        `postgresRegionLeases: table bulwark_region_leases does not exist: apply migration ${ID} (regionLeasesMigration; the service applies it at start)`,
      );
      await storage.migrate([regionLeasesMigration]);
      expect(await postgresRegionLeases(storage).read('trading')).toMatchObject({ held: false, lease: null });
    } finally {
      await storage.close();
    }
  });
});
