/**
 * The region lease's row in the real PostgreSQL of this machine: acquire only when free, renew only
 * by the holder of the epoch and before the expiry, release frees it at once, every time is the
 * database's; and two regionLeases over it (one storage each) elect one holder. Skips with one line
 * when PostgreSQL is unreachable (fails instead with BULWARK_REQUIRE_SERVICES=1).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { regionLease } from '../../src/failover/region-lease.js';
import { postgresStorage, type PostgresStorage } from '../../src/storage/postgres.js';
import { postgresRegionLeases, regionLeasesMigration } from '../../src/storage/repos/region-leases.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);
const SCHEMA = uniqueSchema('fo_regions');
let storages: PostgresStorage[] = [];
let n = 0;
const leaseName = (): string => `store-${process.pid}-${Date.now().toString(36)}-${n++}`;

const open = async (): Promise<PostgresStorage> => {
  // The table is the service's migration (applied at start); each storage applies it as the service would (once, race-safe).
  const s = await postgresStorage({ connectionString: postgresUrl, schema: SCHEMA, migrations: [regionLeasesMigration], max: 2 });
  storages.push(s);
  return s;
};

describeWith(available, 'region lease in PostgreSQL', () => {
  beforeAll(async () => void (await open()));
  afterAll(async () => {
    await Promise.all(storages.map((s) => s.close()));
    storages = [];
    await dropSchema(SCHEMA);
  });

  it('acquires only when free, renews only for the holder of the epoch, releases at once', async () => {
    const store = postgresRegionLeases(storages[0]!);
    const name = leaseName();
    const a = await store.acquire(name, 'a', 5_000, 0);
    expect(a).toMatchObject({ held: true, lease: { holder: 'a', epoch: 1 } });
    expect(a.lease!.expiresAtMs - a.nowMs).toBe(5_000);
    expect(Math.abs(a.nowMs - Date.now())).toBeLessThan(60_000); // milliseconds since the epoch, the database's
    const b = await store.acquire(name, 'b', 5_000, 0);
    expect(b).toMatchObject({ held: false, lease: { holder: 'a', epoch: 1 } });
    expect(await store.renew(name, 'b', 1, 5_000)).toMatchObject({ held: false, lease: { holder: 'a' } });
    expect(await store.renew(name, 'a', 2, 5_000)).toMatchObject({ held: false });
    const renewed = await store.renew(name, 'a', 1, 5_000);
    expect(renewed.held).toBe(true);
    expect(renewed.lease!.expiresAtMs).toBeGreaterThanOrEqual(a.lease!.expiresAtMs);
    const released = await store.release(name, 'a', 1);
    expect(released).toMatchObject({ held: false, lease: { holder: 'a', epoch: 1, released: true } });
    expect(released.lease!.expiresAtMs).toBe(released.nowMs);
    expect(await store.renew(name, 'a', 1, 5_000)).toMatchObject({ held: false }); // released: renew cannot bring it back
    expect(await store.acquire(name, 'b', 5_000, 0)).toMatchObject({ held: true, lease: { holder: 'b', epoch: 2 } });
    expect(await store.read(name)).toMatchObject({ held: false, lease: { holder: 'b', epoch: 2 } });
    expect(await store.read(leaseName())).toMatchObject({ held: false, lease: null });
  });

  it("a release ends the lease within its followers' grant, and nobody renews it meanwhile", async () => {
    const store = postgresRegionLeases(storages[0]!);
    const name = leaseName();
    await store.acquire(name, 'a', 60_000, 30_000);
    const released = await store.release(name, 'a', 1);
    expect(released.lease).toMatchObject({ released: true, grantMs: 30_000 });
    expect(released.lease!.expiresAtMs - released.nowMs).toBe(30_000);
    expect(await store.renew(name, 'a', 1, 60_000)).toMatchObject({ held: false });
    expect(await store.acquire(name, 'b', 60_000, 0)).toMatchObject({ held: false, lease: { holder: 'a', released: true } });
  });

  it('an expired lease is taken under a new epoch, and its old holder cannot renew it', async () => {
    const store = postgresRegionLeases(storages[0]!);
    const name = leaseName();
    await store.acquire(name, 'a', 1, 0);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the database's clock must pass the 1 ms expiry
    expect(await store.renew(name, 'a', 1, 5_000)).toMatchObject({ held: false });
    expect(await store.acquire(name, 'b', 5_000, 0)).toMatchObject({ held: true, lease: { holder: 'b', epoch: 2 } });
  });

  it('of many acquiring at once, exactly one gets the lease', async () => {
    const stores = await Promise.all([open(), open(), open()]);
    const name = leaseName();
    const replies = await Promise.all(stores.flatMap((s, i) => [0, 1].map((j) => postgresRegionLeases(s).acquire(name, `r${i}-${j}`, 5_000, 0))));
    expect(replies.filter((r) => r.held)).toHaveLength(1);
    expect(new Set(replies.map((r) => r.lease!.holder)).size).toBe(1);
  });

  it('refuses SQLite: the regions must share one database', async () => {
    const s = await sqliteStorage({ path: ':memory:' });
    expect(() => postgresRegionLeases(s)).toThrow('postgresRegionLeases: needs PostgreSQL storage (the regions share it), got sqlite');
    await s.close();
  });

  it('two regionLeases over it: one trades, the other takes over after a release', async () => {
    const [s1, s2] = [storages[0]!, await open()];
    const lease = leaseName();
    const a = regionLease({ region: 'a', lease, store: postgresRegionLeases(s1), ttlMs: 3_000, renewMs: 100, safetyMarginMs: 500, holdOffMs: 3_000, followGrantMs: 0 });
    const b = regionLease({ region: 'b', lease, store: postgresRegionLeases(s2), ttlMs: 3_000, renewMs: 100, safetyMarginMs: 500, holdOffMs: 3_000, followGrantMs: 0 });
    const became = (l: typeof a, role: string) => new Promise<void>((resolve) => l.on('stateChange', (c) => c.to === role && resolve()));
    const aActive = became(a, 'active');
    a.start();
    await aActive;
    b.start();
    await became(b, 'passive');
    expect([a.active, b.active]).toEqual([true, false]);
    const bActive = became(b, 'active');
    await a.release({ reason: 'switchover' });
    await bActive;
    expect(b.status()).toMatchObject({ holder: 'b', epoch: 2 });
    await Promise.all([a.stop(), b.stop()]);
  });
});
