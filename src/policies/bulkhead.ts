/**
 * Bulkhead: caps how many calls run at once, with an optional bounded queue.
 *
 * A slot is held until the operation's OWN promise settles, even when an outer timeout has
 * already given up on the call: work that is still running still uses the dependency, and
 * freeing its slot early would let duplicate work pile up behind it.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { Context } from '../core/context.js';
import { deprecatedOption } from '../core/deprecated.js';
import { BulkheadFullError, abortedFrom } from '../core/errors.js';
import { checkInteger, checkNumber } from '../core/option-checks.js';
import { QUEUE_DEFAULTS } from '../core/options.js';
import { type OutcomeEvents, reportOutcome } from '../core/outcome-events.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';
import { type Deadline, type DeadlineScheduler, deadlinesOf } from '../core/timers.js';

export interface BulkheadOptions {
  /** Calls allowed to run at once (an integer >= 1). */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot (an integer >= 0, or Infinity). */
  maxQueue?: number;
  /** How long a queued call may wait for a slot before it is rejected (a finite number > 0). */
  maxWaitMs?: number;
  /** @deprecated Use `maxWaitMs` (the same option under its old name); removed at 1.0. */
  queueTimeoutMs?: number;
  /** Source of time for the wait limit and the `success` / `failure` durations. */
  clock?: Clock;
}

export const BULKHEAD_DEFAULTS = {
  /** The same waiting room as the rate limiters (core/options.ts QUEUE_DEFAULTS, where the reason is). */
  maxQueue: QUEUE_DEFAULTS.maxQueue as number,
  /** Queued calls wait until a slot frees or their caller aborts. */
  maxWaitMs: undefined as number | undefined,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

/** Why the bulkhead turned a call away. */
export type BulkheadRejectReason = 'queue-full' | 'max-wait';

export interface BulkheadEvents extends OutcomeEvents {
  /** A call was turned away: the queue was full, or it waited past `maxWaitMs`. */
  rejected: { reason: BulkheadRejectReason; executing: number; queued: number };
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
  readonly maxWaitMs: number | undefined;
  private readonly deadlines: DeadlineScheduler;
  private readonly clock: Clock;
  private active = 0;
  private waiting = 0;
  private head: Waiter | undefined;
  private tail: Waiter | undefined;

  constructor(options: BulkheadOptions) {
    super();
    const maxConcurrent = options?.maxConcurrent;
    checkInteger('bulkhead', 'maxConcurrent', maxConcurrent, 1);
    const maxQueue = options.maxQueue ?? BULKHEAD_DEFAULTS.maxQueue;
    checkInteger('bulkhead', 'maxQueue', maxQueue, 0, true);
    const maxWaitMs = deprecatedOption<number>('bulkhead', options, 'maxWaitMs', 'queueTimeoutMs', 'BULWARK_DEP_QUEUE_TIMEOUT_MS') ?? BULKHEAD_DEFAULTS.maxWaitMs;
    if (maxWaitMs !== undefined) checkNumber('bulkhead', 'maxWaitMs', maxWaitMs, 0, Infinity, true);
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.maxWaitMs = maxWaitMs;
    this.clock = options.clock ?? BULKHEAD_DEFAULTS.clock;
    this.deadlines = deadlinesOf(this.clock);
  }

  /** @deprecated Use `maxWaitMs`; removed at 1.0. */
  get queueTimeoutMs(): number | undefined {
    return this.maxWaitMs;
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
      this.reject('queue-full');
      return Promise.reject(new BulkheadFullError(`Bulkhead is full (${this.maxConcurrent} running, ${this.waiting} queued)`));
    }
    return this.enqueue(fn, ctx);
  }

  /** Runs with a slot already taken; the slot is given back when fn's own promise settles. */
  private runHeld<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    const promise = this.events.has('success') || this.events.has('failure') ? reportOutcome(this.events, this.clock, () => invoke(fn, ctx)) : invoke(fn, ctx);
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
      if (this.maxWaitMs !== undefined) {
        const ms = this.maxWaitMs;
        deadline = this.deadlines.add(ms, () => {
          if (!waiter.queued) return;
          this.unlink(waiter);
          if (onAbort) signal?.removeEventListener('abort', onAbort);
          this.reject('max-wait');
          reject(new BulkheadFullError(`Bulkhead: no slot freed within maxWaitMs (${ms} ms)`));
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

  private reject(reason: BulkheadRejectReason): void {
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

/** A bulkhead: at most `maxConcurrent` calls at once, `maxQueue` (default 1 000) more waiting. */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
