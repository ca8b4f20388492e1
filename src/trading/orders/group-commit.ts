/**
 * Group commit for the durable journal: writes that arrive together share one transaction, so
 * one commit (one fsync on SQLite with synchronous=FULL, one WAL flush on PostgreSQL) carries
 * several orders' writes.
 *
 * Two kinds of write:
 *   - urgent (the PENDING intent, an UNKNOWN before lookups): its caller waits for the commit.
 *     It goes out on the next turn of the event loop with every write queued by then; while a
 *     commit runs, newcomers queue and go together in the next one.
 *   - deferred (the transitions after an order left): nobody waits. It rides along with the next
 *     urgent commit, or is committed on its own after `lingerMs` when none comes, or at once when
 *     a read or `flush()` needs it.
 *   - supersedable (a deferred write that only marks progress, SENT): held back from commits
 *     until it is `lingerMs` old or a read or `flush()` needs it; when the next write of its
 *     key arrives first, only that one is written and the held write settles as it does. An order
 *     whose answer comes within the linger time costs one statement less.
 *
 * Writes are applied in the order they were queued. Up to `maxConcurrent` transactions run at
 * once (a database with a connection pool commits several groups side by side); a write whose key
 * has a write in a running transaction waits for the next one, so one key's writes keep their
 * order. A batch is one call of `applyMany` when given (a repository that merges the writes into
 * multi-row statements), else each write's own `run`. When a transaction fails, its writes are
 * tried one by one so one bad write does not sink the others; a deferred write that still fails is
 * tried again after `retryDelayMs`, up to `writeAttempts` tries, and the later writes of the same
 * key wait behind it.
 */
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../../core/clock.js';
import { checkInteger, checkNumber } from '../../core/option-checks.js';
import { withDefaults } from '../../core/options.js';

export interface GroupCommitOptions {
  /** Most writes in one transaction. */
  maxBatch?: number;
  /** Longest a deferred write waits for company before it is committed on its own. */
  lingerMs?: number;
  /** Tries of a deferred write whose transaction failed before its promise rejects. */
  writeAttempts?: number;
  /** Wait before a failed deferred write is tried again. */
  retryDelayMs?: number;
  /** Transactions committing at once (1: one after another, as one SQLite connection must). */
  maxConcurrent?: number;
  /** Source of the linger and retry timers. */
  clock?: Clock;
}

export const GROUP_COMMIT_DEFAULTS = {
  // A burst of every order a busy bot has in flight fits; such a transaction still commits in milliseconds.
  maxBatch: 256,
  // Under load deferred writes ride along with the next PENDING long before this; when idle, the journal lags the exchange by at most this much.
  lingerMs: 20,
  // Rides out a checkpoint, a busy lock or a pool reconnect; past that the order follower settles the intent from the exchange.
  writeAttempts: 5,
  // Long enough for a lock holder to finish, short enough that the journal catches up within a second.
  retryDelayMs: 100,
  // One connection (SQLite) commits one transaction at a time; a pooled database is given more.
  maxConcurrent: 1,
  // Wall time; inject ManualClock in tests.
  clock: systemClock as Clock,
} satisfies Required<GroupCommitOptions>;

/** Runs `work` in one transaction and commits it (rolls back when it throws). */
export type RunTransaction<R> = <T>(work: (tx: R) => Promise<T>) => Promise<T>;

interface Write<R, O> {
  key: string;
  run: (tx: R) => Promise<unknown>;
  /** What the write is, for `applyMany`. */
  op: O | undefined;
  deferred: boolean;
  /** Held back from commits until `lingerMs` old; replaced by the next write of its key. */
  supersedable: boolean;
  /** When a supersedable write was queued. */
  since: number;
  /** Writes this one replaced: they settle as it does. */
  replaced: Array<Write<R, O>> | undefined;
  attempts: number;
  /** Settles (either way) once the write is done for good. */
  done: Promise<void>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface WriteOptions<O> {
  /** Nobody waits for it to be durable: it rides along with the next commit. */
  deferred?: boolean;
  /** Deferred, and held back from urgent commits: the next write of its key may take its place. */
  supersedable?: boolean;
  /** Whether this write may take the place of a held write of its key (default true); when not, the held one is written first. */
  replaces?: boolean;
  /** What the write is, for `applyMany`. */
  op?: O;
}

/** What one write came to. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Applies a batch's writes in order in the open transaction: an outcome per write; throws when the transaction broke. */
export type ApplyMany<R, O> = (tx: R, ops: O[]) => Promise<Outcome[]>;

export class GroupCommit<R, O = never> {
  private readonly o: Required<GroupCommitOptions>;
  private queue: Array<Write<R, O>> = [];
  /** Writes in running transactions. */
  private readonly committing = new Set<Write<R, O>>();
  /** Keys with a write in a running transaction: their later writes wait. */
  private readonly busy = new Map<string, number>();
  private readonly perKey = new Map<string, number>();
  /** Supersedable writes queued, by key: each is the last queued write of its key. */
  private readonly held = new Map<string, Write<R, O>>();
  /** Urgent writes queued. */
  private urgent = 0;
  /** Commit what is queued even without an urgent write (linger over, retry due, flush asked). */
  private forced = false;
  /** A flush asked for everything, held writes included. */
  private flushing = false;
  /** Transactions running. */
  private running = 0;
  private scheduled = false;
  private cancelLinger: CancelTimer | undefined;

  /**
   * `transaction` opens one transaction per batch; `ownError` tells an error that refuses one write
   * (a failed compare-and-set, bad input) from one that breaks the transaction (the database);
   * `applyMany` (optional) applies a whole batch of writes given with an `op`.
   */
  constructor(
    private readonly transaction: RunTransaction<R>,
    private readonly ownError: (error: unknown) => boolean,
    options: GroupCommitOptions = {},
    private readonly applyMany?: ApplyMany<R, O>,
  ) {
    this.o = withDefaults(GROUP_COMMIT_DEFAULTS, options);
    checkInteger('groupCommit', 'maxBatch', this.o.maxBatch, 1);
    checkNumber('groupCommit', 'lingerMs', this.o.lingerMs, 0);
    checkInteger('groupCommit', 'writeAttempts', this.o.writeAttempts, 1);
    checkNumber('groupCommit', 'retryDelayMs', this.o.retryDelayMs, 0);
    checkInteger('groupCommit', 'maxConcurrent', this.o.maxConcurrent, 1);
  }

  /** Queues a write of `key`; resolves with what `run` returned once its transaction committed. */
  write<T>(key: string, run: (tx: R) => Promise<T>, options: WriteOptions<O> = {}): Promise<T> {
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((ok, fail) => {
      resolve = ok as (value: unknown) => void;
      reject = fail;
    });
    const supersedable = options.supersedable === true;
    const deferred = supersedable || options.deferred === true;
    const since = supersedable ? this.o.clock.now() : NaN;
    const write: Write<R, O> = { key, run, op: options.op, deferred, supersedable, since, replaced: undefined, attempts: 0, done: result.then(noop, noop), resolve, reject };
    const before = this.held.get(key);
    if (before !== undefined) {
      this.held.delete(key);
      // The held write is the last of its key still queued: this one takes its place, or it goes first.
      if (options.replaces !== false) {
        this.queue.splice(this.queue.lastIndexOf(before), 1);
        write.replaced = [before];
      }
    }
    if (supersedable) this.held.set(key, write);
    this.queue.push(write);
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    if (deferred) this.linger();
    else {
      this.urgent++;
      this.kick();
    }
    return result;
  }

  /** Whether a write of `key` (of any key when omitted) is queued or committing. */
  pending(key?: string): boolean {
    return key === undefined ? this.perKey.size > 0 : this.perKey.has(key);
  }

  /** Commits every write queued now, deferred ones included, and resolves once each is done (committed or failed for good). */
  async flush(): Promise<void> {
    const waiting = [...this.committing, ...this.queue].map((w) => w.done);
    if (waiting.length === 0) return;
    this.flushing = true;
    this.force();
    await Promise.all(waiting);
  }

  private force(): void {
    this.forced = true;
    this.kick();
  }

  private linger(): void {
    if (this.cancelLinger) return;
    this.cancelLinger = setTimerOn(this.o.clock, this.o.lingerMs, () => {
      this.cancelLinger = undefined;
      if (this.queue.length > 0) this.force();
    });
  }

  private kick(): void {
    if (this.scheduled || this.running >= this.o.maxConcurrent) return;
    this.scheduled = true;
    // The next turn of the event loop: every write queued by the replies read in this turn goes in one commit.
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Starts transactions while there is room and something to commit. */
  private drain(): void {
    while (this.running < this.o.maxConcurrent && this.queue.length > 0 && (this.urgent > 0 || this.forced)) {
      const batch = this.take();
      if (batch.length === 0) {
        // Only writes held back and still young: the linger timer comes back for them.
        if (this.running === 0) {
          this.forced = false;
          this.linger();
        }
        // Else every queued key has a write committing: the end of that transaction drains again.
        return;
      }
      if (this.queue.length === 0) this.forced = this.flushing = false;
      this.running++;
      for (const w of batch) {
        this.committing.add(w);
        this.busy.set(w.key, (this.busy.get(w.key) ?? 0) + 1);
      }
      void this.commit(batch).finally(() => {
        for (const w of batch) {
          this.committing.delete(w);
          const left = (this.busy.get(w.key) ?? 1) - 1;
          if (left > 0) this.busy.set(w.key, left);
          else this.busy.delete(w.key);
        }
        this.running--;
        // Writes that queued meanwhile go now, together, as they did behind the one transaction before.
        this.drain();
      });
    }
    this.after();
  }

  /** What follows a drain or a finished transaction: another batch, the linger timer, or nothing. */
  private after(): void {
    if (this.queue.length === 0) {
      if (this.running === 0) {
        this.cancelLinger?.();
        this.cancelLinger = undefined;
      }
    } else if (this.urgent > 0 || this.forced) this.kick();
    else this.linger();
  }

  /** The next batch: queued writes in order, leaving those whose key has a write committing or left behind. */
  private take(): Array<Write<R, O>> {
    if (this.busy.size === 0 && this.queue.length <= this.o.maxBatch && (this.flushing || this.held.size === 0)) {
      this.held.clear();
      const batch = this.queue;
      this.queue = [];
      for (const w of batch) if (!w.deferred) this.urgent--;
      return batch;
    }
    const batch: Array<Write<R, O>> = [];
    const rest: Array<Write<R, O>> = [];
    const waiting = new Set<string>();
    // Held writes younger than this stay behind (unless a flush wants everything).
    const youngAfter = this.held.size === 0 || this.flushing ? Infinity : this.o.clock.now() - this.o.lingerMs;
    for (const w of this.queue) {
      if (batch.length >= this.o.maxBatch || this.busy.has(w.key) || waiting.has(w.key) || (w.since > youngAfter && this.held.get(w.key) === w)) {
        rest.push(w);
        waiting.add(w.key);
      } else {
        batch.push(w);
        if (this.held.get(w.key) === w) this.held.delete(w.key);
        if (!w.deferred) this.urgent--;
      }
    }
    this.queue = rest;
    return batch;
  }

  private async commit(batch: Array<Write<R, O>>): Promise<void> {
    let outcomes: Outcome[];
    const { applyMany } = this;
    try {
      outcomes = await this.transaction(async (tx) => {
        if (applyMany && batch.every((w) => w.op !== undefined)) return applyMany(tx, batch.map((w) => w.op as O));
        const out: Outcome[] = [];
        for (const w of batch) {
          try {
            out.push({ ok: true, value: await w.run(tx) });
          } catch (error) {
            if (!this.ownError(error)) throw error;
            out.push({ ok: false, error });
          }
        }
        return out;
      });
    } catch (error) {
      if (batch.length > 1) return this.oneByOne(batch);
      const held: Array<Write<R, O>> = [];
      this.failed(batch[0]!, error, held);
      this.requeue(held);
      return;
    }
    batch.forEach((w, i) => this.settle(w, outcomes[i]!));
  }

  /** After a failed transaction: each write in a transaction of its own; a key whose write is held for a retry keeps its later writes behind it. */
  private async oneByOne(batch: Array<Write<R, O>>): Promise<void> {
    const held: Array<Write<R, O>> = [];
    const heldKeys = new Set<string>();
    for (const w of batch) {
      if (heldKeys.has(w.key)) {
        held.push(w);
        continue;
      }
      try {
        const value = await this.transaction((tx) => w.run(tx));
        this.settle(w, { ok: true, value });
      } catch (error) {
        if (this.ownError(error)) this.settle(w, { ok: false, error });
        else if (this.failed(w, error, held)) heldKeys.add(w.key);
      }
    }
    this.requeue(held);
  }

  /** A write whose transaction failed: held for another try (true) or rejected. */
  private failed(w: Write<R, O>, error: unknown, held: Array<Write<R, O>>): boolean {
    w.attempts++;
    if (w.deferred && w.attempts < this.o.writeAttempts) {
      held.push(w);
      return true;
    }
    this.settle(w, { ok: false, error });
    return false;
  }

  /** Puts held writes back at the front (they were queued before everything now queued) and tries again after the retry delay. */
  private requeue(held: Array<Write<R, O>>): void {
    if (held.length === 0) return;
    this.queue.unshift(...held);
    for (const w of held) if (!w.deferred) this.urgent++;
    setTimerOn(this.o.clock, this.o.retryDelayMs, () => this.force());
  }

  private settle(w: Write<R, O>, outcome: Outcome): void {
    const left = (this.perKey.get(w.key) ?? 1) - 1;
    if (left > 0) this.perKey.set(w.key, left);
    else this.perKey.delete(w.key);
    if (outcome.ok) w.resolve(outcome.value);
    else w.reject(outcome.error);
    if (w.replaced !== undefined) for (const r of w.replaced) this.settle(r, outcome);
  }
}

function noop(): void {}
