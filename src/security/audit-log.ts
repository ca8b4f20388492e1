/**
 * The audit log: an append-only, tamper-evident record of every state change made through the API
 * and every automatic decision that affects trading, kept in the configured storage (SQLite or
 * PostgreSQL). Entries are chained by an HMAC (audit-chain.ts) and the head is signed now and then
 * (checkpoints), so `verify()` finds an edited, deleted, reordered or cut-off entry.
 *
 * ```ts
 * const audit = await auditLog(storage, { key: loadServerKey({ dataDir }) });
 * await audit.append({ actor: 'alice', action: 'POST /api/gate/halt', before: { mode: 'active' }, after: { mode: 'halted' }, tags: ['trading-control'] });
 * (await audit.verify()).ok; // true until someone edits the table
 * ```
 *
 * An append that fails is retried with backoff; when the tries run out the `failure` event fires
 * and the promise rejects (the caller reports it). Secrets never reach the log: every value is
 * redacted (core/secrets.ts) before it is hashed and stored.
 */
import { type Clock, type CancelTimer, setTimerOn, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger, checkNonEmptyString, checkObject } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import { redactSecrets, sanitizeText } from '../core/secrets.js';
import { backoff } from '../policies/backoff.js';
import { retry } from '../policies/retry.js';
import { staleReads } from '../storage/stale-reads.js';
import type { Storage } from '../storage/types.js';
import { type AuditCheckpoint, type AuditEntry, type ChainReport, type ChainedEntry, ChainWalker, signCheckpoint } from './audit-chain.js';
import { type AuditFilter, type NewEntry, appendInTransaction, auditMigrations, insertCheckpoint, latestCheckpoint, readHead, selectEntries } from './audit-rows.js';
import type { ServerKey } from './server-key.js';

export type { AuditCheckpoint, AuditEntry, ChainBreak, ChainBreakKind, ChainReport, ChainedEntry } from './audit-chain.js';
export type { AuditFilter } from './audit-rows.js';
export { auditMigrations } from './audit-rows.js';

/** The compliance tags the service writes (a route may add its own). */
export type AuditTag = 'trading-control' | 'access-control' | 'data-recovery' | 'configuration' | (string & {});

/** What a caller records; everything but `action` has a default. */
export interface AuditRecord {
  action: string;
  /** Default `system`. */
  actor?: string;
  /** Default `system`. */
  actorKind?: string;
  target?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
  source?: string | null;
  /** Default `success`. */
  outcome?: AuditEntry['outcome'];
  status?: number | null;
  tags?: readonly AuditTag[];
  /** Default: the clock's now. */
  time?: number;
}

export interface AuditLogOptions {
  /** The service key; the chain uses its `audit-chain` purpose key, checkpoints `audit-checkpoint`. */
  key: Pick<ServerKey, 'derive'>;
  clock?: Clock;
  /** Tries per append before it is reported as failed. */
  appendAttempts?: number;
  /** First wait between tries (doubling, with jitter). */
  retryInitialMs?: number;
  /** Longest wait between tries. */
  retryMaxMs?: number;
  /** How often `startCheckpoints()` signs the head; 0 turns the timer off (checkpoints only on demand and at close). */
  checkpointEveryMs?: number;
  /** Entries read per query by verify and export. */
  pageSize?: number;
  /** Apply the audit migrations at creation (default true; false for a read-only command on a database it must not change). */
  migrate?: boolean;
}

export const AUDIT_LOG_DEFAULTS = {
  clock: systemClock as Clock,
  appendAttempts: 4, // a database blip of a second or two is ridden out; longer is reported, not hidden
  retryInitialMs: 100, // the first retry comes quickly: most failures are a lock or a dropped connection
  retryMaxMs: 2_000, // four tries span about three seconds, short enough for a request to wait on
  checkpointEveryMs: 60_000, // a cut-off tail is caught back to the last minute; one small row a minute at most
  pageSize: 500, // verify and export read in pages, so a long log never sits in memory
  migrate: true, // a service creates its tables at start like every other store
};

export interface AuditLogEvents {
  /** An entry was written. */
  success: { entry: ChainedEntry };
  /** An entry could not be written after every try; it is not in the log. */
  failure: { record: AuditRecord; error: unknown };
}

export interface AuditLog extends EventSource<AuditLogEvents> {
  /** Appends one entry to the chain (retried; rejects when every try failed). */
  append(record: AuditRecord): Promise<ChainedEntry>;
  /** Entries matching the filter (newest first unless `order: 'asc'`); a replica within the lag limit may answer (`staleReads`). */
  list(filter?: AuditFilter): Promise<ChainedEntry[]>;
  /** Every entry matching the filter, oldest first, read in pages (the export; a replica within the lag limit may answer). */
  entries(filter?: Omit<AuditFilter, 'order' | 'afterSeq'>): AsyncGenerator<ChainedEntry>;
  /** Walks the whole chain and checks it against the head and the latest checkpoint. */
  verify(): Promise<ChainReport>;
  /** Signs the current head; returns the latest checkpoint (a new one unless the head has not moved). */
  checkpoint(): Promise<AuditCheckpoint | undefined>;
  /** Signs the head every `checkpointEveryMs` until `close()`. */
  startCheckpoints(): void;
  /** Appends that failed for good since creation. */
  readonly failedAppends: number;
  /** Waits for appends in flight, stops the checkpoint timer and signs the head once more. Idempotent. */
  close(): Promise<void>;
}

/** A value as it is stored: secrets redacted, then through JSON so what is hashed is what is read back. */
function stored(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(redactSecrets(value));
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

const text = (value: string | null | undefined): string | null => (value === undefined || value === null ? null : sanitizeText(value));

export async function auditLog(storage: Storage, options: AuditLogOptions): Promise<AuditLog> {
  checkObject('auditLog', 'key', options?.key, 'the service key (loadServerKey)');
  const o = withDefaults(AUDIT_LOG_DEFAULTS, options);
  checkInteger('auditLog', 'appendAttempts', o.appendAttempts, 1);
  checkInteger('auditLog', 'retryInitialMs', o.retryInitialMs, 0);
  checkInteger('auditLog', 'retryMaxMs', o.retryMaxMs, 0);
  checkInteger('auditLog', 'checkpointEveryMs', o.checkpointEveryMs, 0);
  checkInteger('auditLog', 'pageSize', o.pageSize, 1);
  if (o.migrate) await storage.migrate(auditMigrations);
  const keys = { chain: options.key.derive('audit-chain'), checkpoint: options.key.derive('audit-checkpoint') };
  const clock = o.clock;
  const events = new Emitter<AuditLogEvents>();
  const policy = retry({ maxAttempts: o.appendAttempts, backoff: backoff.exponential({ initialMs: o.retryInitialMs, maxMs: o.retryMaxMs }), clock, rethrowLastError: true });
  // Appends of this process go in call order; other processes are ordered by the head row's lock.
  let tail: Promise<unknown> = Promise.resolve();
  let failed = 0;
  let timer: CancelTimer | undefined;
  let closed = false;

  const entryOf = (record: AuditRecord): NewEntry => ({
    time: record.time ?? clock.now(),
    actor: text(record.actor) ?? 'system',
    actorKind: record.actorKind ?? 'system',
    action: sanitizeText(record.action),
    target: text(record.target),
    before: stored(record.before),
    after: stored(record.after),
    requestId: text(record.requestId),
    source: text(record.source),
    outcome: record.outcome ?? 'success',
    status: record.status ?? null,
    tags: [...new Set(record.tags ?? [])].map((t) => sanitizeText(t)),
  });

  const checkpoint = async (): Promise<AuditCheckpoint | undefined> => {
    const [head, latest] = await Promise.all([readHead(storage), latestCheckpoint(storage)]);
    if (!head || head.seq === 0) return latest;
    if (latest && latest.seq >= head.seq) return latest;
    const time = clock.now();
    const made: AuditCheckpoint = { seq: head.seq, hash: head.hash, time, signature: signCheckpoint(keys.checkpoint, { seq: head.seq, hash: head.hash, time }) };
    await insertCheckpoint(storage, made);
    return made;
  };

  const log: AuditLog = {
    on<K extends keyof AuditLogEvents & string>(name: K, listener: Listener<AuditLogEvents[K]>): Unsubscribe {
      return events.on(name, listener);
    },
    get failedAppends() {
      return failed;
    },
    append(record) {
      try {
        checkNonEmptyString('auditLog.append', 'action', record?.action);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      const entry = entryOf(record);
      const run = tail.then(() => policy.execute(() => storage.transaction((tx) => appendInTransaction(tx, keys.chain, entry))));
      tail = run.catch(() => undefined);
      return run.then(
        (written) => {
          events.emit('success', { entry: written });
          return written;
        },
        (error: unknown) => {
          failed += 1;
          events.emit('failure', { record, error });
          throw error;
        },
      );
    },
    list(filter = {}) {
      // The audit list and the export read what may be a replica within the lag limit; verify reads the primary.
      return selectEntries(staleReads(storage), { order: 'desc', ...filter });
    },
    async *entries(filter = {}) {
      let afterSeq = 0;
      for (;;) {
        const page = await selectEntries(staleReads(storage), { ...filter, order: 'asc', afterSeq, limit: o.pageSize });
        yield* page;
        if (page.length < o.pageSize) return;
        afterSeq = page[page.length - 1]?.seq ?? afterSeq;
      }
    },
    async verify() {
      // The checkpoint and head are read first: entries appended during the walk only add to what is checked.
      const [checkpointRow, head] = await Promise.all([latestCheckpoint(storage), readHead(storage)]);
      const walker = new ChainWalker(keys);
      walker.expect(checkpointRow);
      let afterSeq = 0;
      while (!walker.done) {
        const page = await selectEntries(storage, { order: 'asc', afterSeq, limit: o.pageSize });
        walker.push(page);
        if (page.length < o.pageSize) break;
        afterSeq = page[page.length - 1]?.seq ?? afterSeq;
      }
      return walker.finish(head, checkpointRow);
    },
    checkpoint,
    startCheckpoints() {
      if (closed || timer || o.checkpointEveryMs === 0) return;
      const arm = (): void => {
        timer = setTimerOn(clock, o.checkpointEveryMs, () => {
          void checkpoint().catch(() => undefined).finally(() => {
            if (!closed) arm();
          });
        });
      };
      arm();
    },
    async close() {
      if (closed) return;
      closed = true;
      timer?.();
      timer = undefined;
      await tail;
      await checkpoint().catch(() => undefined);
    },
  };
  return log;
}
