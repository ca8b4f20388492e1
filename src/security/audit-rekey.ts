/**
 * Rotating the service key under the audit log: the whole chain is checked under the current key
 * first (a broken chain is refused, naming its first broken entry, so a rotation never launders an
 * edit), then every entry is chained again and every checkpoint signed again under the new key, and
 * a `security.rekey` entry naming both key ids is appended as the first entry under the new key.
 * All of it is one transaction that holds the head row (`FOR UPDATE` on PostgreSQL; SQLite's
 * transaction holds the write lock): it commits whole or not at all, and no append slips in between.
 * Swapping the key file afterwards is the caller's part (cli/commands/audit-rekey-run.ts).
 */
import { type Clock, systemClock } from '../core/clock.js';
import { checkInteger } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import type { Storage } from '../storage/types.js';
import { type ChainBreak, type ChainedEntry, ChainWalker, GENESIS_HASH, entryHash, signCheckpoint } from './audit-chain.js';
import { appendInTransaction, latestCheckpoint, selectEntries } from './audit-rows.js';
import type { ServerKeyVersion } from './server-key.js';

export interface AuditRekeyOptions {
  /** The key the chain is under now. */
  from: Pick<ServerKeyVersion, 'id' | 'derive'>;
  /** The key to chain it under. */
  to: Pick<ServerKeyVersion, 'id' | 'derive'>;
  clock?: Clock;
  /** Entries read per query. */
  pageSize?: number;
  /** Who asked, for the `security.rekey` entry (default `system`). */
  actor?: string;
  actorKind?: string;
  source?: string | null;
}

export const AUDIT_REKEY_DEFAULTS = {
  clock: systemClock as Clock,
  pageSize: 500, // the log is read in pages even inside the transaction, so a long log never sits in memory at once
  actor: 'system', // the service's own decision unless the command line names its user
  actorKind: 'system', // as for any decision of the service
};

export interface AuditRekeyResult {
  fromKeyId: string;
  toKeyId: string;
  /** Entries chained again (the `security.rekey` entry not counted). */
  entries: number;
  checkpoints: number;
  /** The `security.rekey` entry, the first under the new key. */
  entry: ChainedEntry;
}

/** The chain does not verify under the current key: nothing was changed. */
export class AuditRekeyRefusedError extends Error {
  readonly code = 'AUDIT_REKEY_REFUSED';
  constructor(readonly broken: ChainBreak) {
    super(`the audit log is broken at seq ${broken.seq} (${broken.kind}): ${broken.detail}; rekey refused, nothing was changed`);
    this.name = 'AuditRekeyRefusedError';
  }
}

/** Chains every entry and checkpoint under `to`, in one transaction, after checking them under `from`. */
export async function rekeyAuditLog(storage: Storage, options: AuditRekeyOptions): Promise<AuditRekeyResult> {
  const o = withDefaults(AUDIT_REKEY_DEFAULTS, options);
  checkInteger('rekeyAuditLog', 'pageSize', o.pageSize, 1);
  if (options.from.id === options.to.id) throw new RangeError(`rekeyAuditLog: to is the current key (${options.to.id}); give a new key`);
  const oldKeys = { chain: options.from.derive('audit-chain'), checkpoint: options.from.derive('audit-checkpoint') };
  const newKeys = { chain: options.to.derive('audit-chain'), checkpoint: options.to.derive('audit-checkpoint') };
  return storage.transaction(async (tx) => {
    const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const head = await tx.one<{ seq: number; hash: string }>(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
    if (!head) throw new Error('audit_head: the head row is missing (run the security-003-audit-log migration)');

    // 1. The whole chain must verify under the current key.
    const checkpointRow = await latestCheckpoint(tx);
    const walker = new ChainWalker(oldKeys);
    walker.expect(checkpointRow);
    for (let afterSeq = 0; !walker.done; ) {
      const page = await selectEntries(tx, { order: 'asc', afterSeq, limit: o.pageSize });
      walker.push(page);
      if (page.length < o.pageSize) break;
      afterSeq = page[page.length - 1]?.seq ?? afterSeq;
    }
    const report = walker.finish({ seq: Number(head.seq) }, checkpointRow);
    if (report.broken) throw new AuditRekeyRefusedError(report.broken);

    // 2. Every entry chained again under the new key; the new hash of each checkpointed seq kept for step 3.
    const checkpoints = await tx.all<{ seq: number; time: number }>('SELECT DISTINCT seq, time FROM audit_checkpoints');
    const wanted = new Set(checkpoints.map((c) => Number(c.seq)));
    const newHashAt = new Map<number, string>();
    let prevHash = GENESIS_HASH;
    let count = 0;
    for (let afterSeq = 0; ; ) {
      const page = await selectEntries(tx, { order: 'asc', afterSeq, limit: o.pageSize });
      for (const entry of page) {
        const hash = entryHash(newKeys.chain, prevHash, entry);
        await tx.run('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?', [prevHash, hash, entry.seq]);
        if (wanted.has(entry.seq)) newHashAt.set(entry.seq, hash);
        prevHash = hash;
        count += 1;
      }
      if (page.length < o.pageSize) break;
      afterSeq = page[page.length - 1]?.seq ?? afterSeq;
    }
    await tx.run('UPDATE audit_head SET hash = ? WHERE id = 1', [prevHash]);

    // 3. Every checkpoint signed again over the entry's new hash, its seq and time kept.
    for (const c of checkpoints) {
      const seq = Number(c.seq);
      const time = Number(c.time);
      const hash = newHashAt.get(seq);
      // A checkpoint of seq 0 or past the head cannot be: the walk above would have refused it.
      if (hash === undefined) continue;
      await tx.run('UPDATE audit_checkpoints SET hash = ?, signature = ? WHERE seq = ? AND time = ?', [hash, signCheckpoint(newKeys.checkpoint, { seq, hash, time }), seq, time]);
    }

    // 4. The rotation itself, the first entry under the new key, and a checkpoint of it.
    const now = o.clock.now();
    const entry = await appendInTransaction(tx, newKeys.chain, {
      time: now,
      actor: o.actor,
      actorKind: o.actorKind,
      action: 'security.rekey',
      target: 'security-key',
      before: { keyId: options.from.id },
      after: { keyId: options.to.id, entries: count, checkpoints: checkpoints.length },
      requestId: null,
      source: options.source ?? null,
      outcome: 'success',
      status: null,
      tags: ['configuration', 'access-control'],
    });
    await tx.run('INSERT INTO audit_checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)', [entry.seq, entry.hash, now, signCheckpoint(newKeys.checkpoint, { seq: entry.seq, hash: entry.hash, time: now })]);
    return { fromKeyId: options.from.id, toKeyId: options.to.id, entries: count, checkpoints: checkpoints.length, entry };
  });
}
