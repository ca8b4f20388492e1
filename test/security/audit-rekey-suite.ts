/** The rekey behaviour, run against SQLite (audit-rekey.test.ts) and PostgreSQL (integration). */
import { expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { auditLog } from '../../src/security/audit-log.js';
import { AuditRekeyRefusedError, rekeyAuditLog } from '../../src/security/audit-rekey.js';
import { parseServerKey } from '../../src/security/server-key.js';
import type { Storage } from '../../src/storage/types.js';
import { filledLog, testKey } from './audit-tampering.js';

export const newKey = () => parseServerKey('cd'.repeat(32), 'new.key');

export function rekeySuite(open: () => Promise<Storage>): void {
  it('chains every entry and checkpoint again: verify passes with the new key and fails with the old one', async () => {
    const storage = await open();
    const clock = new ManualClock(1_700_000_000_000);
    await filledLog(storage, clock);
    const result = await rekeyAuditLog(storage, { from: testKey(), to: newKey(), clock });
    expect(result).toMatchObject({ fromKeyId: testKey().id, toKeyId: newKey().id, entries: 6, checkpoints: 1 });
    expect(result.entry).toMatchObject({ seq: 7, action: 'security.rekey', before: { keyId: testKey().id }, after: { keyId: newKey().id } });

    const underNew = await auditLog(storage, { key: newKey(), clock, migrate: false });
    expect(await underNew.verify()).toMatchObject({ ok: true, entries: 7, head: { seq: 7 }, checkpoint: { seq: 7 } });
    const underOld = await auditLog(storage, { key: testKey(), clock, migrate: false });
    expect((await underOld.verify()).broken).toMatchObject({ seq: 1, kind: 'edited' });

    // The chain goes on under the new key, and the older checkpoint was signed again too.
    await underNew.append({ action: 'after-rekey' });
    await storage.run('DELETE FROM audit_checkpoints WHERE seq = 7');
    expect(await underNew.verify()).toMatchObject({ ok: true, entries: 8, checkpoint: { seq: 6 } });
    await storage.close();
  });

  it('refuses a tampered chain, naming the first broken entry, and changes nothing', async () => {
    const storage = await open();
    await filledLog(storage);
    await storage.run("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
    const before = await storage.all('SELECT seq, hash, prev_hash FROM audit_log ORDER BY seq');
    const error = await rekeyAuditLog(storage, { from: testKey(), to: newKey() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditRekeyRefusedError);
    expect((error as AuditRekeyRefusedError).broken).toMatchObject({ seq: 3, kind: 'edited' });
    expect((error as Error).message).toContain('broken at seq 3 (edited)');
    expect(await storage.all('SELECT seq, hash, prev_hash FROM audit_log ORDER BY seq')).toEqual(before);
    expect((await (await auditLog(storage, { key: testKey(), migrate: false })).verify()).broken).toMatchObject({ seq: 3 });
    await storage.close();
  });

  it('a failure part-way rolls everything back: the chain still verifies under the old key', async () => {
    const storage = await open();
    await filledLog(storage);
    const real = storage.transaction.bind(storage);
    (storage as { transaction: Storage['transaction'] }).transaction = (work) =>
      real(async (tx) => {
        await work(tx);
        throw new Error('interrupted before the commit');
      });
    await expect(rekeyAuditLog(storage, { from: testKey(), to: newKey() })).rejects.toThrow('interrupted');
    (storage as { transaction: Storage['transaction'] }).transaction = real;
    expect(await (await auditLog(storage, { key: testKey(), migrate: false })).verify()).toMatchObject({ ok: true, entries: 6 });
    await storage.close();
  });
}
