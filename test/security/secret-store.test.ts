import { describe } from 'vitest';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { secretStoreContract } from './secret-store-contract.js';

describe('secretStore (SQLite)', () => {
  secretStoreContract(() => sqliteStorage({ path: ':memory:' }));
});
