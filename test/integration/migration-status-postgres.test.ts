import { afterAll, expect, it } from 'vitest';
import { migrationStatus } from '../../src/storage/migrations/status.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schema = uniqueSchema('bw_migstatus');

afterAll(async () => {
  if (available) await dropSchema(schema);
});

describeWith(available, 'migrationStatus (PostgreSQL)', () => {
  it('reads pending, changed and unknown migrations without applying anything', async () => {
    const storage = await postgresStorage({ connectionString: postgresUrl, schema, migrate: false });
    try {
      const a = { id: 'a-001', up: 'CREATE TABLE a (x INTEGER)' };
      const b = { id: 'b-001', up: 'CREATE TABLE b (x INTEGER)' };
      expect(await migrationStatus(storage, [a, b])).toEqual({ pending: ['a-001', 'b-001'], changed: [], unknown: [] });
      await storage.migrate([a, { id: 'z-001', up: 'CREATE TABLE z (x INTEGER)' }]);
      expect(await migrationStatus(storage, [{ ...a, up: 'CREATE TABLE a (x BIGINT)' }, b])).toEqual({ pending: ['b-001'], changed: ['a-001'], unknown: ['z-001'] });
      const tables = await storage.all<{ [c: string]: unknown; n: string }>(`SELECT count(*)::text AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'b'`, [schema]);
      expect(tables[0]?.n).toBe('0');
    } finally {
      await storage.close();
    }
  });
});
