import { afterAll } from 'vitest';
import { postgresStorage } from '../../src/storage/postgres.js';
import { tokenStoreContract } from '../security/token-store-contract.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schemas: string[] = [];

afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

describeWith(available, 'tokenStore and sessionStore (PostgreSQL)', () => {
  // A schema per case: each starts with empty tables, as the SQLite cases do.
  tokenStoreContract(async () => {
    const schema = uniqueSchema('h_auth');
    schemas.push(schema);
    return postgresStorage({ connectionString: postgresUrl, schema, min: 0, max: 2 });
  });
});
