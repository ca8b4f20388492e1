import { type CancelTimer, type Clock, setTimerOn } from '../core/clock.js';
import { RateLimitedError, abortedFrom } from '../core/errors.js';
import type { Emitter } from '../core/events.js';
import type { AcquireOptions, Decision } from '../core/limiter.js';
import { numberError } from '../core/option-checks.js';
import { deadlinesOf, type Deadline } from '../core/timers.js';

/**
 * What `acquire` does when the limit is reached: `'reject'` at once, wait in a `'queue'`, or
 * `'pace'`: wait, and space admissions of a key evenly at the sustained rate.
 */
export type Backpressure = 'reject' | 'queue' | 'pace';

/** Events of a limiter's acquire path. */
/**
 * Why a limiter refused: `limited` (a `consume`, or a queued acquire's attempt, did not fit),
 * `queue-full` (an acquire found `maxQueue` waiters) or `max-wait` (a waiting acquire ran past
 * its `maxWaitMs`).
 */
export type LimiterRejectReason = 'limited' | 'queue-full' | 'max-wait';

export interface LimiterEvents {
  /** A call was refused; `retryAfterMs` is 0 when the limiter cannot tell. */
  rejected: { reason: LimiterRejectReason; key: string; cost: number; retryAfterMs: number };
  /** The number of waiting acquires reached the high-water mark. */
  highWater: { queued: number; highWaterMark: number };
}

export interface AcquireQueueConfig {
  clock: Clock;
  backpressure: Backpressure;
  maxQueue: number;
  highWaterMark: number;
  /** Sustained rate in units per ms, for 'pace' spacing. */
  ratePerMs: number;
  /** The largest cost that can ever fit. */
  maxCost: number;
  events: Emitter<LimiterEvents>;
  decide(key: string, cost: number): Decision | Promise<Decision>;
}

interface Waiter {
  readonly key: string;
  readonly cost: number;
  /** Absolute time after which the waiter must not be admitted; Infinity without maxWaitMs. */
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  expiry: Deadline | undefined;
  done: boolean;
}

/** FIFO of one priority; removal is lazy (finished waiters are skipped at the head). */
class Lane {
  private items: Waiter[] = [];
  private head = 0;
  constructor(readonly priority: number) {}

  push(waiter: Waiter): void {
    this.items.push(waiter);
  }

  /** The first waiter not yet finished, dropping finished ones on the way. */
  peek(): Waiter | undefined {
    while (this.head < this.items.length) {
      const waiter = this.items[this.head] as Waiter;
      if (!waiter.done) return waiter;
      this.head++;
    }
    if (this.head > 0) {
      this.items = [];
      this.head = 0;
    }
    return undefined;
  }
}

/** The waiters of one key: lanes ordered by priority (lower first), FIFO within a lane. */
class KeyQueue {
  readonly lanes: Lane[] = [];
  live = 0;
  busy = false;
  timer: CancelTimer | undefined;
  /** 'pace': the earliest time the next call may go. */
  nextSlotAt = -Infinity;

  lane(priority: number): Lane {
    let i = 0;
    while (i < this.lanes.length && (this.lanes[i] as Lane).priority < priority) i++;
    const found = this.lanes[i];
    if (found && found.priority === priority) return found;
    const lane = new Lane(priority);
    this.lanes.splice(i, 0, lane);
    return lane;
  }

  head(): Waiter | undefined {
    for (const lane of this.lanes) {
      const waiter = lane.peek();
      if (waiter) return waiter;
    }
    return undefined;
  }
}

/**
 * The waiting side of a limiter. One queue per key (waiters for one key never hold up another),
 * priority lanes within it, FIFO within a lane. Only the head of a key's queue asks the store;
 * when denied it sleeps for the store's `retryAfterMs` on the injected clock. A waiter whose
 * deadline (`maxWaitMs`) has passed, or cannot be met, is dropped at dequeue, never admitted late.
 */
export class AcquireQueue {
  private readonly queues = new Map<string, KeyQueue>();
  private waiting = 0;
  private aboveHighWater = false;

  constructor(private readonly config: AcquireQueueConfig) {}

  /** Acquires waiting across every key. */
  get size(): number {
    return this.waiting;
  }

  acquire(key: string, cost: number, options: AcquireOptions | undefined): Promise<void> {
    const { clock, maxCost, backpressure } = this.config;
    const signal = options?.signal;
    const maxWaitMs = options?.maxWaitMs;
    const priority = options?.priority ?? 0;
    if (maxWaitMs !== undefined && !(typeof maxWaitMs === 'number' && maxWaitMs >= 0)) {
      return Promise.reject(numberError('acquire', 'maxWaitMs', maxWaitMs, 0, Infinity, false, true));
    }
    if (typeof priority !== 'number' || !Number.isFinite(priority)) return Promise.reject(numberError('acquire', 'priority', priority, -Infinity));
    if (cost > maxCost) {
      return Promise.reject(new RangeError(`acquire: cost ${cost} can never fit; the limiter admits at most ${maxCost} at once`));
    }
    if (signal?.aborted) return Promise.reject(abortedFrom(signal));
    if (backpressure === 'reject') return this.rejectStrategy(key, cost);
    if (this.waiting >= this.config.maxQueue) return this.whenFull(key, cost);

    return new Promise<void>((resolve, reject) => {
      const deadline = maxWaitMs === undefined ? Infinity : clock.now() + maxWaitMs;
      const waiter: Waiter = { key, cost, deadline, resolve, reject, signal, onAbort: undefined, expiry: undefined, done: false };
      let queue = this.queues.get(key);
      if (!queue) {
        queue = new KeyQueue();
        this.queues.set(key, queue);
      }
      const owner = queue;
      owner.lane(priority).push(waiter);
      owner.live++;
      this.waiting++;
      if (!this.aboveHighWater && this.waiting >= this.config.highWaterMark) {
        this.aboveHighWater = true;
        this.config.events.emit('highWater', { queued: this.waiting, highWaterMark: this.config.highWaterMark });
      }
      if (signal) {
        waiter.onAbort = () => {
          this.finish(owner, waiter);
          reject(abortedFrom(signal));
          this.pump(key, owner);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (maxWaitMs !== undefined) {
        waiter.expiry = deadlinesOf(clock).add(maxWaitMs, () => {
          if (waiter.done) return;
          this.drop(owner, waiter, `Waited longer than maxWaitMs (${maxWaitMs} ms) for the rate limit`, 0);
          this.pump(key, owner);
        });
      }
      this.pump(key, owner);
    });
  }

  /** Queue full: a call that fits at once (and jumps no waiter of its key) still goes; others are rejected. */
  private async whenFull(key: string, cost: number): Promise<void> {
    const queue = this.queues.get(key);
    if (!queue || queue.live === 0) {
      const decision = await this.config.decide(key, cost);
      if (decision.allowed) return;
    }
    this.config.events.emit('rejected', { reason: 'queue-full', key, cost, retryAfterMs: 0 });
    throw new RateLimitedError(0, `Rate limiter queue is full (maxQueue ${this.config.maxQueue})`);
  }

  private async rejectStrategy(key: string, cost: number): Promise<void> {
    const decision = await this.config.decide(key, cost);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
  }

  private finish(queue: KeyQueue, waiter: Waiter): void {
    waiter.done = true;
    queue.live--;
    this.waiting--;
    if (this.aboveHighWater && this.waiting < this.config.highWaterMark) this.aboveHighWater = false;
    waiter.expiry?.cancel();
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  private drop(queue: KeyQueue, waiter: Waiter, message: string, retryAfterMs: number): void {
    this.finish(queue, waiter);
    this.config.events.emit('rejected', { reason: 'max-wait', key: waiter.key, cost: waiter.cost, retryAfterMs });
    waiter.reject(new RateLimitedError(retryAfterMs, message));
  }

  /** Serves the head of `key`'s queue for as long as it is admitted; sleeps when it is not. */
  private pump(key: string, queue: KeyQueue): void {
    if (queue.busy) return;
    queue.timer?.();
    queue.timer = undefined;
    const { clock } = this.config;
    for (;;) {
      const head = queue.head();
      const now = clock.now();
      if (!head) {
        // 'pace' keeps the key's next slot until it passes, then forgets the key.
        if (queue.nextSlotAt > now) this.sleep(key, queue, queue.nextSlotAt - now);
        else if (this.queues.get(key) === queue) this.queues.delete(key);
        return;
      }
      if (now > head.deadline) {
        this.drop(queue, head, 'Deadline passed while queued for the rate limit; dropped rather than sent late', 0);
        continue;
      }
      if (this.config.backpressure === 'pace' && now < queue.nextSlotAt) {
        this.sleep(key, queue, queue.nextSlotAt - now);
        return;
      }
      const result = this.config.decide(key, head.cost);
      if (result instanceof Promise) {
        queue.busy = true;
        result.then(
          (decision) => {
            queue.busy = false;
            if (this.settle(key, queue, head, decision)) this.pump(key, queue);
          },
          (error: unknown) => {
            // The store failed (e.g. Redis down and fail-closed): the head gets the error.
            queue.busy = false;
            if (!head.done) {
              this.finish(queue, head);
              head.reject(error);
            }
            this.pump(key, queue);
          },
        );
        return;
      }
      if (!this.settle(key, queue, head, result)) return;
    }
  }

  /** Applies a decision to the head; returns true when the queue should keep going now. */
  private settle(key: string, queue: KeyQueue, head: Waiter, decision: Decision): boolean {
    const now = this.config.clock.now();
    if (decision.allowed) {
      // A head that left (abort) while an async decision was in flight: its charge is spent.
      if (!head.done) {
        this.finish(queue, head);
        head.resolve();
      }
      if (this.config.backpressure === 'pace') queue.nextSlotAt = now + head.cost / this.config.ratePerMs;
      return true;
    }
    if (head.done) return true;
    this.config.events.emit('rejected', { reason: 'limited', key, cost: head.cost, retryAfterMs: decision.retryAfterMs });
    if (now + decision.retryAfterMs > head.deadline) {
      this.drop(queue, head, `Rate limited for ${Math.ceil(decision.retryAfterMs)} ms, beyond the wait allowed (maxWaitMs)`, decision.retryAfterMs);
      return true;
    }
    this.sleep(key, queue, decision.retryAfterMs);
    return false;
  }

  private sleep(key: string, queue: KeyQueue, ms: number): void {
    // Whole milliseconds, at least 1: a float residue must not spin the queue at the same instant.
    queue.timer = setTimerOn(this.config.clock, Math.max(1, Math.ceil(ms - 1e-6)), () => {
      queue.timer = undefined;
      this.pump(key, queue);
    });
  }
}
