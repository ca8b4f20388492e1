import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { REDACTED } from '../../src/core/secrets.js';
import { auditLog } from '../../src/security/audit-log.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { filledLog, tamperingSuite, testKey } from './audit-tampering.js';

describe('audit log tampering (SQLite)', () => {
  tamperingSuite(() => sqliteStorage({ path: ':memory:' }));
});

describe('auditLog (SQLite)', () => {
  it('chains entries in call order from seq 1, each linking to the one before', async () => {
    const storage = await sqliteStorage({ path: ':memory:' });
    const audit = await auditLog(storage, { key: testKey(), clock: new ManualClock(5) });
    const written = await Promise.all([audit.append({ action: 'a' }), audit.append({ action: 'b' }), audit.append({ action: 'c' })]);
    expect(written.map((e) => [e.seq, e.action])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    expect(written[1]!.prevHash).toBe(written[0]!.hash);
    expect(written[0]).toMatchObject({ actor: 'system', actorKind: 'system', outcome: 'success', time: 5, tags: [], before: null, target: null });
    expect((await audit.verify()).ok).toBe(true);
    await storage.close();
  });

  it('never stores a secret: values under secret keys and secrets in text are redacted before hashing', async () => {
    const storage = await sqliteStorage({ path: ':memory:' });
    const audit = await auditLog(storage, { key: testKey() });
    await audit.append({ action: 'POST /api/x', before: { apiKey: 'k-123456', nested: { password: 'hunter22' } }, target: 'postgres://u:pw12345@db/x' });
    const raw = JSON.stringify(await storage.all('SELECT * FROM audit_log'));
    expect(raw).not.toContain('k-123456');
    expect(raw).not.toContain('hunter22');
    expect(raw).not.toContain('pw12345');
    expect(raw).toContain(REDACTED);
    expect((await audit.verify()).ok).toBe(true);
    await storage.close();
  });

  it('a failed append is retried, then reported through failure and a rejection, never dropped silently', async () => {
    const storage = await sqliteStorage({ path: ':memory:' });
    const audit = await auditLog(storage, { key: testKey(), retryInitialMs: 0, retryMaxMs: 0 });
    let failures = 0;
    const real = storage.transaction.bind(storage);
    (storage as { transaction: Storage['transaction'] }).transaction = async (work) => {
      if (failures++ < 2) throw new Error('database is locked');
      return real(work);
    };
    const entry = await audit.append({ action: 'retried' });
    expect(entry.seq).toBe(1);
    expect(failures).toBe(3);

    (storage as { transaction: Storage['transaction'] }).transaction = () => Promise.reject(new Error('disk I/O error'));
    const reported: unknown[] = [];
    audit.on('failure', (e) => reported.push(e.record.action));
    await expect(audit.append({ action: 'lost' })).rejects.toThrow('disk I/O error');
    expect(reported).toEqual(['lost']);
    expect(audit.failedAppends).toBe(1);
    // The chain carries on after a failure.
    (storage as { transaction: Storage['transaction'] }).transaction = real;
    expect((await audit.append({ action: 'after' })).seq).toBe(2);
    await storage.close();
  });

  it('lists with filters (since/until/actor/action), newest first, and exports oldest first in pages', async () => {
    const storage = await sqliteStorage({ path: ':memory:' });
    const audit = await filledLog(storage);
    const start = 1_700_000_000_000;
    expect((await audit.list({ actor: 'alice' })).map((e) => e.seq)).toEqual([5, 3, 1]);
    expect((await audit.list({ action: 'POST /api/gate/resume', limit: 2 })).map((e) => e.seq)).toEqual([6, 4]);
    expect((await audit.list({ since: start + 2_000, until: start + 4_000 })).map((e) => e.seq)).toEqual([4, 3]);
    const paged = await auditLog(storage, { key: testKey(), pageSize: 2 });
    const all: number[] = [];
    for await (const e of paged.entries({ since: start + 1_000 })) all.push(e.seq);
    expect(all).toEqual([2, 3, 4, 5, 6]);
    await storage.close();
  });

  it('checkpoints sign the head on a timer, and not again while the head has not moved', async () => {
    const storage = await sqliteStorage({ path: ':memory:' });
    const clock = new ManualClock(0);
    const audit = await auditLog(storage, { key: testKey(), clock, checkpointEveryMs: 1_000 });
    audit.startCheckpoints();
    await audit.append({ action: 'a' });
    await clock.advance(1_000);
    await clock.advance(1_000);
    await audit.append({ action: 'b' });
    await clock.advance(1_000);
    const rows = await storage.all<{ seq: number }>('SELECT seq FROM audit_checkpoints ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2]);
    await audit.close();
    await storage.close();
  });

  it('verify reads the chain in pages and still finds a break on a later page', async () => {
    const storage = await sqliteStorage({ path: ':memory:' });
    await filledLog(storage);
    const paged = await auditLog(storage, { key: testKey(), pageSize: 2 });
    expect((await paged.verify()).ok).toBe(true);
    await storage.run("UPDATE audit_log SET target = 'x' WHERE seq = 5");
    expect((await paged.verify()).broken).toMatchObject({ seq: 5, kind: 'edited' });
    await storage.close();
  });
});
