import { afterAll } from 'vitest';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { rekeySuite } from '../security/audit-rekey-suite.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schemas: string[] = [];
const fresh = () => {
  const schema = uniqueSchema('h_rekey');
  schemas.push(schema);
  return postgresStorage({ connectionString: postgresUrl, schema });
};

afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

describeWith(available, 'audit rekey (PostgreSQL)', () => {
  rekeySuite(fresh);
});
