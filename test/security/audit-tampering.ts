/**
 * The audit log against each kind of tampering, for any storage: an attacker with write access to
 * the tables but not the service key edits a byte, deletes a row, swaps a pair, cuts the tail, or
 * rebuilds the chain with a key of their own. `verify` must name the first broken entry and the kind.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { GENESIS_HASH, canonicalEntry } from '../../src/security/audit-chain.js';
import { type AuditLog, auditLog } from '../../src/security/audit-log.js';
import { loadServerKey } from '../../src/security/server-key.js';
import type { Storage } from '../../src/storage/types.js';

export const testKey = () => loadServerKey({ env: { BULWARK_SECURITY_KEY: 'ab'.repeat(32) } });

/** Six entries, a checkpoint at seq 6. */
export async function filledLog(storage: Storage, clock = new ManualClock(1_700_000_000_000)): Promise<AuditLog> {
  const audit = await auditLog(storage, { key: testKey(), clock });
  for (let i = 1; i <= 6; i++) {
    await audit.append({ actor: i % 2 ? 'alice' : 'system', actorKind: i % 2 ? 'token' : 'system', action: `POST /api/gate/${i % 2 ? 'halt' : 'resume'}`, target: `t${i}`, before: { mode: 'active', n: i }, after: { mode: 'halted' }, requestId: `req-${i}`, source: '127.0.0.1', status: 200, tags: ['trading-control'] });
    await clock.advance(1_000);
  }
  await audit.checkpoint();
  return audit;
}

/** Swaps the contents of two rows (their seq values trade places). */
async function swap(storage: Storage, a: number, b: number): Promise<void> {
  await storage.transaction(async (tx) => {
    await tx.run('UPDATE audit_log SET seq = ? WHERE seq = ?', [-1, a]);
    await tx.run('UPDATE audit_log SET seq = ? WHERE seq = ?', [a, b]);
    await tx.run('UPDATE audit_log SET seq = ? WHERE seq = ?', [b, -1]);
  });
}

export function tamperingSuite(open: () => Promise<Storage>): void {
  let storage: Storage;
  let audit: AuditLog;
  beforeEach(async () => {
    storage = await open();
    audit = await filledLog(storage);
  });
  afterEach(async () => {
    await storage.close();
  });

  it('an untouched log verifies, checked against its checkpoint', async () => {
    const report = await audit.verify();
    expect(report).toMatchObject({ ok: true, entries: 6, head: { seq: 6 }, checkpoint: { seq: 6 }, broken: null });
  });

  it('an edited byte is the first broken entry, kind edited', async () => {
    await storage.run("UPDATE audit_log SET before_json = REPLACE(before_json, '\"n\":3', '\"n\":4') WHERE seq = 3");
    expect((await audit.verify()).broken).toMatchObject({ seq: 3, kind: 'edited' });
  });

  it('an edited actor is found too', async () => {
    await storage.run("UPDATE audit_log SET actor = 'bob' WHERE seq = 5");
    expect((await audit.verify()).broken).toMatchObject({ seq: 5, kind: 'edited' });
  });

  it('a deleted row is a seq gap, kind deleted', async () => {
    await storage.run('DELETE FROM audit_log WHERE seq = 3');
    expect((await audit.verify()).broken).toMatchObject({ seq: 3, kind: 'deleted' });
  });

  it('a deleted row with the later ones renumbered breaks the link, kind deleted', async () => {
    await storage.run('DELETE FROM audit_log WHERE seq = 3');
    for (const seq of [4, 5, 6]) await storage.run('UPDATE audit_log SET seq = ? WHERE seq = ?', [seq - 1, seq]);
    expect((await audit.verify()).broken).toMatchObject({ seq: 3, kind: 'deleted' });
  });

  it('a reordered pair is named as swapped', async () => {
    await swap(storage, 3, 4);
    const broken = (await audit.verify()).broken;
    expect(broken).toMatchObject({ seq: 3, kind: 'reordered' });
    expect(broken?.detail).toContain('seq 3 and seq 4');
  });

  it('a truncated tail, head row moved back to match, is caught by the checkpoint', async () => {
    const [h3] = await storage.all<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = 3');
    await storage.run('DELETE FROM audit_log WHERE seq > 3');
    await storage.run('UPDATE audit_head SET seq = 3, hash = ? WHERE id = 1', [h3!.hash]);
    const report = await audit.verify();
    expect(report.broken).toMatchObject({ seq: 4, kind: 'truncated' });
    expect(report.broken?.detail).toContain('checkpointed at seq 6');
  });

  it('a truncated tail with the head row left alone is caught by the head', async () => {
    await storage.run('DELETE FROM audit_checkpoints');
    await storage.run('DELETE FROM audit_log WHERE seq > 4');
    expect((await audit.verify()).broken).toMatchObject({ seq: 5, kind: 'truncated' });
  });

  it('a chain rebuilt from an edit onward with a key of the attacker\'s own does not verify', async () => {
    const attackerKey = Buffer.alloc(32, 7);
    const rows = await audit.list({ order: 'asc' });
    let prev = rows[0]!.hash;
    for (const row of rows.slice(1)) {
      const edited = { ...row, actor: row.seq === 2 ? 'nobody' : row.actor };
      const hash = createHmac('sha256', attackerKey).update(Buffer.from(prev, 'hex')).update(canonicalEntry(edited)).digest('hex');
      await storage.run('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?', [edited.actor, prev, hash, row.seq]);
      prev = hash;
    }
    await storage.run('UPDATE audit_head SET hash = ? WHERE id = 1', [prev]);
    expect((await audit.verify()).broken).toMatchObject({ seq: 2, kind: 'edited' });
  });

  it('a chain rebuilt from the start with plain SHA-256 does not verify at seq 1', async () => {
    const rows = await audit.list({ order: 'asc' });
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const hash = createHmac('sha256', Buffer.alloc(0)).update(Buffer.from(prev, 'hex')).update(canonicalEntry(row)).digest('hex');
      await storage.run('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?', [prev, hash, row.seq]);
      prev = hash;
    }
    expect((await audit.verify()).broken).toMatchObject({ seq: 1, kind: 'edited' });
  });

  it('a checkpoint signed without the key is reported as forged', async () => {
    await storage.run('INSERT INTO audit_checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)', [99, 'ab'.repeat(32), 1, 'cd'.repeat(32)]);
    expect((await audit.verify()).broken).toMatchObject({ seq: 99, kind: 'checkpoint-forged' });
  });
}
