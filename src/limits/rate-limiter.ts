import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import type { AcquireOptions, Decision, Limiter } from '../core/limiter.js';
import type { Algorithm, Grant } from './algorithm.js';
import { AcquireQueue, type Backpressure, type LimiterEvents } from './acquire-queue.js';
import { memoryStore } from './stores/memory.js';
import type { BoundStore, LimiterStore } from './stores/store.js';

/** Options every limiter factory accepts besides its algorithm's own. */
export interface LimiterOptions {
  /** Where the state lives. */
  store?: LimiterStore;
  clock?: Clock;
  /** What `acquire` does when the limit is reached: fail at once, wait in a queue, or space calls evenly. */
  backpressure?: Backpressure;
  /** Most acquires waiting at once (all keys); beyond it acquire rejects with RateLimitedError. */
  maxQueue?: number;
  /** Waiting acquires at which the `highWater` event fires. */
  highWaterMark?: number;
}

export const LIMITER_DEFAULTS = {
  /** acquire() is documented to wait; 'reject' and 'throttle' are opt-in. */
  backpressure: 'queue' as Backpressure,
  /** Bounds the memory and the latency a burst of waiters can build up. */
  maxQueue: 10_000,
  /** Fires the warning at 80% of maxQueue, leaving room to react before rejections start. */
  highWaterRatio: 0.8,
} as const;

/** A limiter built from an algorithm and a store. Implements the core `Limiter`. */
export class RateLimiter implements Limiter, EventSource<LimiterEvents> {
  private readonly bound: BoundStore;
  private readonly sync: ((key: string, cost: number) => Decision) | undefined;
  private readonly queue: AcquireQueue;
  private readonly events = new Emitter<LimiterEvents>();
  /** Which store kind holds the state. */
  readonly storeKind: string;

  constructor(
    /** The algorithm with its parameters. */
    readonly algorithm: Algorithm,
    store: LimiterStore,
    readonly clock: Clock,
    backpressure: Backpressure,
    maxQueue: number,
    highWaterMark: number,
  ) {
    this.bound = store.bind(algorithm, clock);
    this.sync = this.bound.tryConsume;
    this.storeKind = store.kind;
    const sync = this.sync;
    const bound = this.bound;
    this.queue = new AcquireQueue({
      clock,
      backpressure,
      maxQueue,
      highWaterMark,
      ratePerMs: algorithm.ratePerMs,
      maxCost: algorithm.maxCost,
      events: this.events,
      decide: sync ?? ((key, cost) => bound.consume(key, cost)),
    });
  }

  /** Decides now, charging `cost` (default 1, a positive integer) to `key` when it fits. */
  consume(key: string, cost = 1): Promise<Decision> {
    if (!Number.isInteger(cost) || cost < 1) return Promise.reject(badCost(cost));
    if (this.sync) return Promise.resolve(this.decideNow(key, cost));
    return this.bound.consume(key, cost).then((decision) => {
      if (!decision.allowed && this.events.has('rejected')) {
        this.events.emit('rejected', { reason: 'limited', key, cost, retryAfterMs: decision.retryAfterMs });
      }
      return decision;
    });
  }

  /**
   * The synchronous decision, for limiters whose state lives in this process (memory store).
   * Throws a TypeError for a shared store, whose decisions need a round trip.
   */
  tryConsume(key: string, cost = 1): Decision {
    if (!this.sync) throw new TypeError(`tryConsume needs a memory store; this limiter uses a ${this.storeKind} store (use consume)`);
    if (!Number.isInteger(cost) || cost < 1) throw badCost(cost);
    return this.decideNow(key, cost);
  }

  private decideNow(key: string, cost: number): Decision {
    const decision = (this.sync as (key: string, cost: number) => Decision)(key, cost);
    if (!decision.allowed && this.events.has('rejected')) {
      this.events.emit('rejected', { reason: 'limited', key, cost, retryAfterMs: decision.retryAfterMs });
    }
    return decision;
  }

  /** Waits until `cost` fits under `key` (per the limiter's backpressure strategy), then charges it. */
  acquire(key: string, cost = 1, options?: AcquireOptions): Promise<void> {
    if (!Number.isInteger(cost) || cost < 1) return Promise.reject(badCost(cost));
    return this.queue.acquire(key, cost, options);
  }

  /** Acquires currently waiting. */
  get queued(): number {
    return this.queue.size;
  }

  on<K extends keyof LimiterEvents & string>(name: K, listener: Listener<LimiterEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Leased mode: charges a batch of between `min` and `want` units to be spent within `leaseMs`. */
  reserve(key: string, want: number, min: number, leaseMs: number): Promise<Grant> {
    return this.bound.reserve(key, want, min, leaseMs);
  }

  /** Leased mode: gives back units of a reservation that were not spent. */
  release(key: string, units: number, stamp: number): Promise<void> {
    return this.bound.release(key, units, stamp);
  }
}

function badCost(cost: unknown): RangeError {
  return new RangeError(`cost must be an integer of at least 1, got ${String(cost)}`);
}

/** Builds a limiter from an algorithm and the common options, validating them. */
export function createLimiter(algorithm: Algorithm, options: LimiterOptions): RateLimiter {
  const backpressure = options.backpressure ?? LIMITER_DEFAULTS.backpressure;
  if (backpressure !== 'reject' && backpressure !== 'queue' && backpressure !== 'throttle') {
    throw new RangeError(`backpressure must be 'reject', 'queue' or 'throttle', got ${String(backpressure)}`);
  }
  const maxQueue = options.maxQueue ?? LIMITER_DEFAULTS.maxQueue;
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError(`maxQueue must be an integer >= 0, got ${String(maxQueue)}`);
  const highWaterMark = options.highWaterMark ?? Math.max(1, Math.ceil(maxQueue * LIMITER_DEFAULTS.highWaterRatio));
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
    throw new RangeError(`highWaterMark must be an integer >= 1, got ${String(highWaterMark)}`);
  }
  // State in this process unless a shared store is given.
  const store = options.store ?? memoryStore();
  if (typeof store.bind !== 'function') throw new TypeError('store must be a LimiterStore (memoryStore() or redisStore(client))');
  return new RateLimiter(algorithm, store, options.clock ?? systemClock, backpressure, maxQueue, highWaterMark);
}
