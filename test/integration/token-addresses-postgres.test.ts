import { afterAll, describe } from 'vitest';
import { storageTokenAddresses } from '../../src/security/token-addresses.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { tokenAddressStoreContract } from '../security/token-address-store-contract.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schemas: string[] = [];

afterAll(async () => {
  if (available) for (const schema of schemas) await dropSchema(schema);
});

describeWith(available, 'token addresses (PostgreSQL)', () => {
  describe('store', () =>
    tokenAddressStoreContract(async () => {
      const schema = uniqueSchema('h_threats');
      schemas.push(schema);
      const storage = await postgresStorage({ connectionString: postgresUrl, schema });
      return { store: await storageTokenAddresses(storage), close: () => storage.close() };
    }));
});
