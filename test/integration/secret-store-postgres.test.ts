import { afterAll } from 'vitest';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { secretStoreContract } from '../security/secret-store-contract.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schemas: string[] = [];

afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

describeWith(available, 'secretStore (PostgreSQL)', () => {
  secretStoreContract(async () => {
    const schema = uniqueSchema('h_secrets');
    schemas.push(schema);
    return postgresStorage({ connectionString: postgresUrl, schema });
  });
});
