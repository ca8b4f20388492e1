/**
 * The recorder: subscribes to components' events (it imports no `observe/`, and components know
 * nothing of it), counts outcomes and sketches latencies per dependency into buckets of every
 * tier, and writes them to the storage every `flushEveryMs`.
 *
 * Writes are buffered and never dropped silently: a failed write keeps its rows buffered for the
 * next flush and emits `writeFailed`; only when a tier's buffer passes `maxPendingRows` are its
 * oldest rows dropped, each drop emitted as `dropped` and counted in `stats()` (the coarser tiers
 * still hold those calls unless they overflow too). The pruning duty deletes buckets past their
 * tier's retention every `pruneEveryMs`.
 */
import { type CancelTimer, setTimerOn } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import type { FailureEvent, SuccessEvent } from '../core/outcome-events.js';
import { type BucketRow, type BucketStore, bucketStore } from './bucket-store.js';
import { type Cell, mergeCell, newCell } from './cell.js';
import { acceptLatency } from './latency-sketch.js';
import { type RecorderOptions, type RecordingTier, type ResolvedRecorderOptions, resolveRecorderOptions } from './options.js';
import { type Outcome, failureOutcome, totalOf } from './outcomes.js';

/** The name that dependencies past `maxDependencies` are recorded under. */
export const OTHER_DEPENDENCY = 'other';

export interface RecorderEvents {
  /** Buffered rows were written. */
  flushed: { rows: number; at: number };
  /** A write failed; its rows stay buffered and are tried again at the next flush. */
  writeFailed: { tierMs: number; rows: number; error: unknown; at: number };
  /** A tier's buffer overflowed while the storage failed: its oldest rows are gone. */
  dropped: { tierMs: number; rows: number; calls: number; at: number };
  /** The pruning duty deleted rows past a tier's retention. */
  pruned: { tierMs: number; rows: number; at: number };
  pruneFailed: { error: unknown; at: number };
}

export interface RecorderStats {
  /** Calls recorded since start. */
  calls: number;
  /** Rows waiting to be written, per tier (bucketMs -> rows). */
  pendingRows: Record<number, number>;
  writeFailures: number;
  /** Rows and calls lost to buffer overflow, per tier (finest first). */
  droppedRows: number;
  droppedCalls: number;
}

/** What a recorder needs of a policy: its typed events. */
interface OutcomeSource {
  on(name: 'success', listener: Listener<SuccessEvent>): Unsubscribe;
  on(name: 'failure', listener: Listener<FailureEvent>): Unsubscribe;
}
interface RejectingSource extends OutcomeSource {
  on(name: 'success', listener: Listener<SuccessEvent>): Unsubscribe;
  on(name: 'failure', listener: Listener<FailureEvent>): Unsubscribe;
  on(name: 'rejected', listener: Listener<unknown>): Unsubscribe;
}

interface TierState {
  tier: RecordingTier;
  /** Calls since the last successful write, by `dependency|bucketStart`. */
  pending: Map<string, BucketRow>;
  /** Full cells of buckets written this run (still open), so a later write needs no read. */
  written: Map<string, BucketRow>;
}

const keyOf = (dependency: string, bucketStart: number): string => `${bucketStart}|${dependency}`;

export class AnalyticsRecorder implements EventSource<RecorderEvents> {
  private readonly options: ResolvedRecorderOptions;
  private readonly events = new Emitter<RecorderEvents>();
  private readonly tiers: TierState[];
  private readonly names = new Set<string>();
  private store: BucketStore | undefined;
  private flushing: Promise<void> | undefined;
  /** The run queued behind the one under way, for calls made while it writes. */
  private flushAfter: Promise<void> | undefined;
  private flushTimer: CancelTimer | undefined;
  private pruneTimer: CancelTimer | undefined;
  private counters = { calls: 0, writeFailures: 0, droppedRows: 0, droppedCalls: 0 };

  constructor(options: RecorderOptions) {
    this.options = resolveRecorderOptions(options);
    this.tiers = this.options.tiers.map((tier) => ({ tier, pending: new Map(), written: new Map() }));
  }

  get tierList(): readonly RecordingTier[] {
    return this.options.tiers;
  }

  get sketchOptions(): ResolvedRecorderOptions['sketch'] {
    return this.options.sketch;
  }

  on<K extends keyof RecorderEvents & string>(name: K, listener: Listener<RecorderEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** The bucket store (migration applied). */
  async bucketStore(): Promise<BucketStore> {
    this.store ??= await bucketStore(this.options.storage, this.options.sketch);
    return this.store;
  }

  /** Records one call of `dependency`; `durationMs` for calls that ran (not for refusals). */
  record(dependency: string, outcome: Outcome, durationMs?: number): void {
    const name = this.nameOf(dependency);
    const now = this.options.clock.now();
    this.counters.calls++;
    for (const state of this.tiers) {
      const bucketStart = Math.floor(now / state.tier.bucketMs) * state.tier.bucketMs;
      const key = keyOf(name, bucketStart);
      let row = state.pending.get(key);
      if (!row) {
        row = { dependency: name, bucketStart, cell: newCell(this.options.sketch) };
        state.pending.set(key, row);
      }
      row.cell.counts[outcome]++;
      if (durationMs !== undefined && outcome !== 'rejected') acceptLatency(outcome === 'success' ? row.cell.successLatency : row.cell.failureLatency, durationMs);
    }
    this.bound();
  }

  /** Records a breaker's calls: success, failure (timeout when the error is a TimeoutError), rejected. */
  bindBreaker(breaker: RejectingSource & { readonly name?: string }, name = breaker.name ?? 'breaker'): Unsubscribe {
    return this.bindRejecting(breaker, name);
  }

  /** Records the calls through any policy with `success`/`failure` events (a timeout, a retry...). */
  bindOutcomes(policy: OutcomeSource, name: string): Unsubscribe {
    const offs = [
      policy.on('success', ({ durationMs }) => this.record(name, 'success', durationMs)),
      policy.on('failure', ({ error, durationMs }) => this.record(name, failureOutcome(error), durationMs)),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Records the calls through a policy that also refuses calls (`rejected`): a rate limit, a bulkhead. */
  bindRejecting(policy: RejectingSource, name: string): Unsubscribe {
    const offOutcomes = this.bindOutcomes(policy, name);
    const offRejected = policy.on('rejected', () => this.record(name, 'rejected'));
    return () => {
      offOutcomes();
      offRejected();
    };
  }

  /** Starts the flush and pruning duties (timers on the injected clock). Applies the migration. */
  async start(): Promise<void> {
    await this.bucketStore();
    if (this.flushTimer) return;
    const flushLoop = (): void => {
      this.flushTimer = setTimerOn(this.options.clock, this.options.flushEveryMs, () => {
        void this.flush().finally(() => this.flushTimer && flushLoop());
      });
    };
    const pruneLoop = (): void => {
      this.pruneTimer = setTimerOn(this.options.clock, this.options.pruneEveryMs, () => {
        void this.prune()
          .catch((error: unknown) => this.events.emit('pruneFailed', { error, at: this.options.clock.now() }))
          .finally(() => this.pruneTimer && pruneLoop());
      });
    };
    flushLoop();
    pruneLoop();
  }

  /** Stops the duties and writes what is buffered (a failed last write is emitted, rows kept). */
  async stop(): Promise<void> {
    this.flushTimer?.();
    this.pruneTimer?.();
    this.flushTimer = undefined;
    this.pruneTimer = undefined;
    await this.flush();
  }

  /**
   * Writes buffered rows now, those recorded before this call included. A call made while a write
   * is under way waits for it, then writes what came since (that write took its batch earlier);
   * concurrent calls share each run. Never rejects: failures are emitted.
   */
  flush(): Promise<void> {
    if (this.flushing) {
      this.flushAfter ??= this.flushing.then(() => {
        this.flushAfter = undefined;
        return this.flush();
      });
      return this.flushAfter;
    }
    this.flushing = this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Deletes every tier's buckets past its retention; resolves with the rows deleted per tier. */
  async prune(): Promise<Record<number, number>> {
    const store = await this.bucketStore();
    const now = this.options.clock.now();
    const deleted: Record<number, number> = {};
    for (const { tier } of this.tiers) {
      // A bucket is kept while any of it lies within keepMs of now.
      const rows = await store.prune(tier.bucketMs, now - tier.keepMs - tier.bucketMs + 1);
      deleted[tier.bucketMs] = rows;
      if (rows > 0) this.events.emit('pruned', { tierMs: tier.bucketMs, rows, at: now });
    }
    return deleted;
  }

  stats(): RecorderStats {
    const pendingRows: Record<number, number> = {};
    for (const s of this.tiers) pendingRows[s.tier.bucketMs] = s.pending.size;
    return { ...this.counters, pendingRows };
  }

  private nameOf(dependency: string): string {
    if (this.names.has(dependency)) return dependency;
    if (this.names.size >= this.options.maxDependencies) return OTHER_DEPENDENCY;
    this.names.add(dependency);
    return dependency;
  }

  /** Drops the oldest buffered rows of a tier past `maxPendingRows`, reporting each drop. */
  private bound(): void {
    for (const state of this.tiers) {
      if (state.pending.size <= this.options.maxPendingRows) continue;
      const excess = [...state.pending.entries()].sort((a, b) => a[1].bucketStart - b[1].bucketStart).slice(0, state.pending.size - this.options.maxPendingRows);
      let calls = 0;
      for (const [key, row] of excess) {
        calls += totalOf(row.cell.counts);
        state.pending.delete(key);
      }
      this.counters.droppedRows += excess.length;
      this.counters.droppedCalls += calls;
      this.events.emit('dropped', { tierMs: state.tier.bucketMs, rows: excess.length, calls, at: this.options.clock.now() });
    }
  }

  private async flushOnce(): Promise<void> {
    const now = this.options.clock.now();
    let store: BucketStore;
    try {
      store = await this.bucketStore();
    } catch (error) {
      this.counters.writeFailures++;
      this.events.emit('writeFailed', { tierMs: 0, rows: this.tiers.reduce((n, s) => n + s.pending.size, 0), error, at: now });
      return;
    }
    let written = 0;
    for (const state of this.tiers) {
      const { bucketMs } = state.tier;
      // The batch leaves the buffer: calls recorded while it is written go to fresh rows.
      const batch = [...state.pending.entries()];
      if (batch.length === 0) continue;
      state.pending = new Map();
      try {
        // Each row written is the bucket's whole cell: what this run wrote before (or, after a
        // restart, what the storage holds for this instance) plus the calls since.
        const next: Array<[string, BucketRow]> = [];
        for (const [key, delta] of batch) {
          const before = state.written.get(key) ?? (await store.readOwn(bucketMs, delta.dependency, this.options.instance, delta.bucketStart));
          const cell: Cell = newCell(this.options.sketch);
          if (before) mergeCell(cell, before.cell);
          mergeCell(cell, delta.cell);
          next.push([key, { dependency: delta.dependency, bucketStart: delta.bucketStart, cell }]);
        }
        await store.write(bucketMs, this.options.instance, next.map(([, row]) => row));
        for (const [key, row] of next) state.written.set(key, row);
        written += next.length;
      } catch (error) {
        // Back into the buffer, with whatever arrived meanwhile, for the next flush.
        for (const [key, delta] of batch) {
          const newer = state.pending.get(key);
          if (newer) mergeCell(delta.cell, newer.cell);
          state.pending.set(key, delta);
        }
        this.counters.writeFailures++;
        this.events.emit('writeFailed', { tierMs: bucketMs, rows: batch.length, error, at: now });
        this.bound();
      }
      // Closed buckets need no memory of what was written.
      for (const [key, row] of state.written) if (row.bucketStart + bucketMs <= now && !state.pending.has(key)) state.written.delete(key);
    }
    if (written > 0) this.events.emit('flushed', { rows: written, at: now });
  }
}

export function analyticsRecorder(options: RecorderOptions): AnalyticsRecorder {
  return new AnalyticsRecorder(options);
}
