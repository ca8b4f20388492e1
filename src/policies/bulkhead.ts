/**
 * Bulkhead: caps how many calls run at once, with an optional bounded queue.
 *
 * A slot is held until the operation's OWN promise settles, even when an outer timeout has
 * already given up on the call: work that is still running still uses the dependency, and
 * freeing its slot early would let duplicate work pile up behind it.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { Context } from '../core/context.js';
import { BulkheadFullError, abortedFrom } from '../core/errors.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';
import { type Deadline, type DeadlineScheduler, deadlinesOf } from '../core/timers.js';

export interface BulkheadOptions {
  /** Calls allowed to run at once (an integer >= 1). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot (an integer >= 0, or Infinity). */
  maxQueue?: number;
  /** How long a queued call may wait for a slot before it is rejected (a finite number > 0). */
  queueTimeoutMs?: number;
  /** Source of time for the queue timeout. */
  clock?: Clock;
}

export const BULKHEAD_DEFAULTS = {
  /** No queue: a full bulkhead rejects at once, so callers shed load instead of stacking latency. */
  maxQueue: 0,
  /** Queued calls wait until a slot frees or their caller aborts. */
  queueTimeoutMs: undefined as number | undefined,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

export interface BulkheadEvents {
  /** A call was turned away: the queue was full, or it waited past `queueTimeoutMs`. */
  rejected: { reason: 'full' | 'queue-timeout'; executing: number; queued: number };
}

/** A queued call, in a doubly linked FIFO so a call that leaves early does so in O(1). */
interface Waiter {
  start: () => void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
  queued: boolean;
}

export class BulkheadPolicy extends BasePolicy<BulkheadEvents> {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number | undefined;
  private readonly deadlines: DeadlineScheduler;
  private active = 0;
  private waiting = 0;
  private head: Waiter | undefined;
  private tail: Waiter | undefined;

  constructor(options: BulkheadOptions) {
    super();
    const maxConcurrent = options?.maxConcurrent;
    if (typeof maxConcurrent !== 'number' || !(Number.isInteger(maxConcurrent) && maxConcurrent >= 1)) {
      throw new RangeError(`bulkhead: maxConcurrent must be an integer >= 1, got ${String(maxConcurrent)}`);
    }
    const maxQueue = options.maxQueue ?? BULKHEAD_DEFAULTS.maxQueue;
    if (!(maxQueue >= 0 && (Number.isInteger(maxQueue) || maxQueue === Infinity))) {
      throw new RangeError(`bulkhead: maxQueue must be an integer >= 0 (or Infinity), got ${maxQueue}`);
    }
    const queueTimeoutMs = options.queueTimeoutMs ?? BULKHEAD_DEFAULTS.queueTimeoutMs;
    if (queueTimeoutMs !== undefined && !(queueTimeoutMs > 0 && Number.isFinite(queueTimeoutMs))) {
      throw new RangeError(`bulkhead: queueTimeoutMs must be a finite number > 0, got ${queueTimeoutMs}`);
    }
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.queueTimeoutMs = queueTimeoutMs;
    this.deadlines = deadlinesOf(options.clock ?? BULKHEAD_DEFAULTS.clock);
  }

  /** Calls running now (holding a slot). */
  get executing(): number {
    return this.active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting;
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) return Promise.reject(abortedFrom(ctx.signal));
    if (this.active < this.maxConcurrent) {
      this.active++;
      return this.runHeld(fn, ctx);
    }
    if (this.waiting >= this.maxQueue) {
      this.reject('full');
      return Promise.reject(new BulkheadFullError(`Bulkhead is full (${this.maxConcurrent} running, ${this.waiting} queued)`));
    }
    return this.enqueue(fn, ctx);
  }

  /** Runs with a slot already taken; the slot is given back when fn's own promise settles. */
  private runHeld<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    const promise = invoke(fn, ctx);
    promise.then(this.release, this.release);
    return promise;
  }

  private readonly release = (): void => {
    const next = this.head;
    if (next) {
      // Hand the slot straight to the first waiter: `active` stays the same.
      this.unlink(next);
      next.start();
    } else {
      this.active--;
    }
  };

  private enqueue<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let deadline: Deadline | undefined;
      let onAbort: (() => void) | undefined;
      const signal = ctx.source.mayAbort ? ctx.signal : undefined;
      const waiter: Waiter = {
        prev: undefined,
        next: undefined,
        queued: true,
        start: () => {
          deadline?.cancel();
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          resolve(this.runHeld(fn, ctx));
        },
      };
      this.append(waiter);
      if (this.queueTimeoutMs !== undefined) {
        const ms = this.queueTimeoutMs;
        deadline = this.deadlines.add(ms, () => {
          if (!waiter.queued) return;
          this.unlink(waiter);
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          this.reject('queue-timeout');
          reject(new BulkheadFullError(`Bulkhead queue timeout: no slot freed within ${ms} ms`));
        });
      }
      if (signal) {
        onAbort = () => {
          if (!waiter.queued) return;
          this.unlink(waiter);
          deadline?.cancel();
          reject(abortedFrom(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  private reject(reason: 'full' | 'queue-timeout'): void {
    if (this.events.has('rejected')) {
      this.events.emit('rejected', { reason, executing: this.active, queued: this.waiting });
    }
  }

  private append(waiter: Waiter): void {
    waiter.prev = this.tail;
    if (this.tail) this.tail.next = waiter;
    else this.head = waiter;
    this.tail = waiter;
    this.waiting++;
  }

  private unlink(waiter: Waiter): void {
    if (!waiter.queued) return;
    waiter.queued = false;
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.head = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.tail = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.waiting--;
  }
}

/** A bulkhead: at most `maxConcurrent` calls at once, `maxQueue` (default 0) more waiting. */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
