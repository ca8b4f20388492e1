import { afterAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/security/audit-log.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { tamperingSuite, testKey } from '../security/audit-tampering.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schemas: string[] = [];
const fresh = () => {
  const schema = uniqueSchema('h_audit');
  schemas.push(schema);
  return postgresStorage({ connectionString: postgresUrl, schema });
};

afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

describeWith(available, 'audit log (PostgreSQL)', () => {
  describe('tampering', () => {
    tamperingSuite(fresh);
  });

  it('appends from two storage handles (two pools, as two processes) keep one valid chain', async () => {
    const schema = uniqueSchema('h_audit');
    schemas.push(schema);
    const a = await postgresStorage({ connectionString: postgresUrl, schema });
    const b = await postgresStorage({ connectionString: postgresUrl, schema });
    const logA = await auditLog(a, { key: testKey() });
    const logB = await auditLog(b, { key: testKey() });
    const writes = [];
    for (let i = 0; i < 40; i++) {
      writes.push(logA.append({ action: `a${i}` }));
      writes.push(logB.append({ action: `b${i}` }));
    }
    const written = await Promise.all(writes);
    expect(new Set(written.map((e) => e.seq)).size).toBe(80);
    const report = await logA.verify();
    expect(report).toMatchObject({ ok: true, entries: 80, head: { seq: 80 } });
    const seqs = (await logB.list({ order: 'asc' })).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    await a.close();
    await b.close();
  });
});
