/**
 * The audit log's hash chain. Each entry's hash is HMAC-SHA256(key, prevHash || canonical JSON of
 * the entry, seq included), keyed with the service key's `audit-chain` purpose key: someone who can
 * write the table but does not hold the key cannot make an edited, deleted or reordered entry check
 * out again. A checkpoint signs the head (seq, hash, time) with the `audit-checkpoint` key, so a
 * tail cut off together with the head row is still seen.
 *
 * `walkChain` checks entries in seq order and names the first break and its kind:
 * - `deleted`: a seq is missing, or the entry does not link to the one before (a row was removed);
 * - `reordered`: this entry and the next link and verify the other way round (a swapped pair);
 * - `edited`: the entry links to the one before but its content no longer gives its hash;
 * - `truncated`: the newest entry is older than the head or the latest checkpoint;
 * - `checkpoint-forged`: the checkpoint's signature does not verify;
 * - `checkpoint-mismatch`: the entry at the checkpoint's seq is not the one it signed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** How the action ended: done, refused (4xx), or failed (5xx). */
export type AuditOutcome = 'success' | 'rejected' | 'failure';

/** One entry as it is hashed and stored (JSON-safe; absent parts are null). */
export interface AuditEntry {
  seq: number;
  /** Milliseconds since the epoch. */
  time: number;
  /** The principal's name (`system` for the service's own decisions, `anonymous` without credentials). */
  actor: string;
  /** How the actor proved who it is (`token`, `session`, `local`, `system`, `anonymous`). */
  actorKind: string;
  /** What was done: `POST /api/gate/halt`, `gate.stateChange`, `breaker.stateChange`... */
  action: string;
  /** What it was done to (a breaker's name, a backup id), or null. */
  target: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  /** The caller's address, or null for the service's own decisions. */
  source: string | null;
  outcome: AuditOutcome;
  /** The HTTP status of a request; null for a decision. */
  status: number | null;
  /** Compliance tags (`trading-control`, `access-control`, `data-recovery`, `configuration`). */
  tags: string[];
}

/** An entry with its place in the chain. */
export interface ChainedEntry extends AuditEntry {
  prevHash: string;
  hash: string;
}

/** A signed head of the chain. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  time: number;
  signature: string;
}

/** The canonical text hashed for an entry: keys sorted, no spaces, nothing but the entry's own fields. */
export function canonicalEntry(entry: AuditEntry): string {
  const { seq, time, actor, actorKind, action, target, before, after, requestId, source, outcome, status, tags } = entry;
  return stringify({ seq, time, actor, actorKind, action, target, before, after, requestId, source, outcome, status, tags }) ?? '';
}

export function entryHash(key: Buffer, prevHash: string, entry: AuditEntry): string {
  return createHmac('sha256', key).update(Buffer.from(prevHash, 'hex')).update(canonicalEntry(entry)).digest('hex');
}

export function signCheckpoint(key: Buffer, head: { seq: number; hash: string; time: number }): string {
  return createHmac('sha256', key).update(stringify({ seq: head.seq, hash: head.hash, time: head.time }) ?? '').digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function checkpointValid(key: Buffer, checkpoint: AuditCheckpoint): boolean {
  return sameHex(signCheckpoint(key, checkpoint), checkpoint.signature);
}

export type ChainBreakKind = 'edited' | 'deleted' | 'reordered' | 'truncated' | 'checkpoint-forged' | 'checkpoint-mismatch';

export interface ChainBreak {
  /** The first entry that does not verify (for `truncated`, the seq that is missing). */
  seq: number;
  kind: ChainBreakKind;
  /** One sentence for the operator. */
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  /** Entries read. */
  entries: number;
  /** The newest entry verified (seq 0 for an empty log). */
  head: { seq: number; hash: string };
  /** The checkpoint compared against, if any. */
  checkpoint: { seq: number; time: number } | null;
  broken: ChainBreak | null;
}

/** What walkChain needs: the keys, and the entries in seq order (read in pages by the caller). */
export interface ChainKeys {
  chain: Buffer;
  checkpoint: Buffer;
}

/**
 * Checks entries in seq order, fed page by page (`push`), then the end of the log against the
 * head the storage holds and the latest checkpoint (`finish`). Stops at the first break.
 */
export class ChainWalker {
  private prevHash = GENESIS_HASH;
  private prevSeq = 0;
  private count = 0;
  private broken: ChainBreak | null = null;
  /** An entry held back one step, to tell a reordered pair from an edit. */
  private pending: ChainedEntry | undefined;

  constructor(private readonly keys: ChainKeys) {}

  get done(): boolean {
    return this.broken !== null;
  }

  push(entries: readonly ChainedEntry[]): void {
    for (const entry of entries) {
      if (this.broken) return;
      this.count += 1;
      if (this.pending) this.check(this.pending, entry);
      this.pending = entry;
    }
  }

  /** Ends the walk: `storedHead` is the head row the appends keep, `checkpoint` the latest signed one. */
  finish(storedHead: { seq: number } | undefined, checkpoint: AuditCheckpoint | undefined): ChainReport {
    if (this.pending && !this.broken) this.check(this.pending, undefined);
    this.pending = undefined;
    if (!this.broken && checkpoint) {
      if (!checkpointValid(this.keys.checkpoint, checkpoint)) {
        this.broken = { seq: checkpoint.seq, kind: 'checkpoint-forged', detail: `the checkpoint of seq ${checkpoint.seq} does not carry a valid signature` };
      } else if (checkpoint.seq > this.prevSeq) {
        this.broken = { seq: this.prevSeq + 1, kind: 'truncated', detail: `the log ends at seq ${this.prevSeq} but was checkpointed at seq ${checkpoint.seq} on ${new Date(checkpoint.time).toISOString()}` };
      }
    }
    if (!this.broken && storedHead && storedHead.seq > this.prevSeq) {
      this.broken = { seq: this.prevSeq + 1, kind: 'truncated', detail: `the log ends at seq ${this.prevSeq} but its head says seq ${storedHead.seq}` };
    }
    return {
      ok: this.broken === null,
      entries: this.count,
      head: { seq: this.prevSeq, hash: this.prevHash },
      checkpoint: checkpoint ? { seq: checkpoint.seq, time: checkpoint.time } : null,
      broken: this.broken,
    };
  }

  /** The checkpoint's seq and hash, compared to the entry at that seq as the walk passes it. */
  private checkpointSeen: { seq: number; hash: string } | undefined;

  /** Gives the latest checkpoint before the walk: the entry at its seq must be the one it signed. */
  expect(checkpoint: AuditCheckpoint | undefined): void {
    if (checkpoint && checkpointValid(this.keys.checkpoint, checkpoint)) this.checkpointSeen = { seq: checkpoint.seq, hash: checkpoint.hash };
  }

  private check(entry: ChainedEntry, next: ChainedEntry | undefined): void {
    const expectedSeq = this.prevSeq + 1;
    if (entry.seq !== expectedSeq) {
      this.broken = entry.seq > expectedSeq
        ? { seq: expectedSeq, kind: 'deleted', detail: `seq ${expectedSeq}${entry.seq - expectedSeq > 1 ? ` to ${entry.seq - 1}` : ''} missing before seq ${entry.seq}` }
        : { seq: entry.seq, kind: 'edited', detail: `seq ${entry.seq} repeats or goes back (after seq ${this.prevSeq})` };
      return;
    }
    if (entry.prevHash !== this.prevHash) {
      // A swapped pair: the next row holds the entry that belongs here, and this one follows it.
      if (next && next.prevHash === this.prevHash && sameHex(entryHash(this.keys.chain, this.prevHash, { ...next, seq: entry.seq }), next.hash) && entry.prevHash === next.hash) {
        this.broken = { seq: entry.seq, kind: 'reordered', detail: `seq ${entry.seq} and seq ${next.seq} are swapped` };
      } else {
        this.broken = { seq: entry.seq, kind: 'deleted', detail: `seq ${entry.seq} does not link to seq ${this.prevSeq}: an entry was removed or replaced before it` };
      }
      return;
    }
    if (!sameHex(entryHash(this.keys.chain, this.prevHash, entry), entry.hash)) {
      this.broken = { seq: entry.seq, kind: 'edited', detail: `seq ${entry.seq} does not match its hash: its content was changed (or its hash made without the key)` };
      return;
    }
    if (this.checkpointSeen && this.checkpointSeen.seq === entry.seq && !sameHex(this.checkpointSeen.hash, entry.hash)) {
      this.broken = { seq: entry.seq, kind: 'checkpoint-mismatch', detail: `seq ${entry.seq} is not the entry the checkpoint signed: the chain was rebuilt from here or before` };
      return;
    }
    this.prevSeq = entry.seq;
    this.prevHash = entry.hash;
  }
}
