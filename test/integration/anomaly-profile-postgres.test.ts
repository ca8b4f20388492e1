/**
 * The anomaly detector's seasonal profile across a restart on a real PostgreSQL (a schema of its
 * own): three days learned, the process stopped and started again over the same schema, and the
 * daily opening judged by its learned hour at once; another instance sharing the schema reads none
 * of it and calls the opening an anomaly. Hours round-trip exactly (DOUBLE PRECISION, BIGINT).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresStorage } from '../../src/storage/postgres.js';
import type { Storage } from '../../src/storage/types.js';
import { profileStore } from '../../src/analytics/index.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger } from '../storage/helpers.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';
import { learnStopRestart } from '../analytics/anomaly/restart-scenario.js';

const available = await requireService('PostgreSQL', probePostgres);
const schema = uniqueSchema('anomaly_profile_test');

describeWith(available, 'the anomaly profile on a real PostgreSQL', () => {
  beforeAll(() => dropSchema(schema));
  afterAll(() => dropSchema(schema));

  const open = (): Promise<Storage> => postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger() });

  it('judges the opening by its learned hour right after a restart; another instance has no profile and calls it an anomaly', async () => {
    const { restarted, fresh, loaded, freshLoaded, rows } = await learnStopRestart(open, (db) => db.close());
    expect(loaded).toBe(72);
    expect(freshLoaded).toBe(0);
    expect(restarted.filter((s) => s.state === 'anomalous')).toEqual([]);
    expect(restarted.every((s) => s.band === 'seasonal' && s.state === 'normal')).toBe(true);
    expect(fresh.map((s) => s.state).slice(0, 3)).toEqual(['normal', 'normal', 'anomalous']);
    expect(rows).toBe(74);
  });

  it('round-trips an hour exactly, and keeps instances apart', async () => {
    const db = await open();
    try {
      const store = await profileStore(db);
      const hour = { startedAt: Date.UTC(2026, 0, 5, 14), baseline: 2.9871234567891234, spread: 0.0812345678912345, points: 360 };
      await store.write('a', [{ series: 'orders placed', upserts: [hour], deletes: [] }], 0);
      await store.write('b', [{ series: 'orders placed', upserts: [{ ...hour, baseline: 1 }], deletes: [] }], 0);
      expect((await store.load('a', 0)).get('orders placed')).toEqual([hour]);
      expect((await store.load('b', 0)).get('orders placed')![0]!.baseline).toBe(1);
      await store.write('a', [{ series: 'orders placed', upserts: [], deletes: [hour.startedAt] }], 0);
      expect(await store.rowCount('a')).toBe(0);
      expect(await store.rowCount('b')).toBe(1);
    } finally {
      await db.close();
    }
  });
});
