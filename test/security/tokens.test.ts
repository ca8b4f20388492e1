import { describe } from 'vitest';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { tokenStoreContract } from './token-store-contract.js';

describe('tokenStore and sessionStore (SQLite)', () => {
  tokenStoreContract(() => sqliteStorage({ path: ':memory:' }));
});
