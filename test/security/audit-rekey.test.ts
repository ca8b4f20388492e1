import { describe, expect, it } from 'vitest';
import { rekeyAuditLog } from '../../src/security/audit-rekey.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { filledLog, testKey } from './audit-tampering.js';
import { rekeySuite } from './audit-rekey-suite.js';

describe('rekeyAuditLog (SQLite)', () => {
  rekeySuite(() => sqliteStorage({ path: ':memory:' }));

  it('refuses to rekey to the current key', async () => {
    const storage = await sqliteStorage({ path: ':memory:' });
    await filledLog(storage);
    await expect(rekeyAuditLog(storage, { from: testKey(), to: testKey() })).rejects.toThrow(/to is the current key \(key-[0-9a-f]{16}\)/);
    await storage.close();
  });
});
