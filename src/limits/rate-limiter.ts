import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import type { AcquireOptions, Decision, Limiter } from '../core/limiter.js';
import { warnDeprecated } from '../core/deprecated.js';
import { checkInteger, checkOneOf, checkShape, integerError } from '../core/option-checks.js';
import { QUEUE_DEFAULTS } from '../core/options.js';
import type { Algorithm, Grant } from './algorithm.js';
import { AcquireQueue, type Backpressure, type LimiterEvents } from './acquire-queue.js';
import { memoryStore } from './stores/memory.js';
import type { BoundStore, LimiterStore } from './stores/store.js';

/** Options every limiter factory accepts besides its algorithm's own. */
export interface LimiterOptions {
  /** Where the state lives. */
  store?: LimiterStore;
  clock?: Clock;
  /**
   * What `acquire` does when the limit is reached: fail at once (`'reject'`), wait in a queue
   * (`'queue'`), or wait and space calls evenly (`'pace'`). `'throttle'` is the deprecated name of
   * `'pace'` (removed at 1.0).
   */
  backpressure?: Backpressure | 'throttle';
  /** Most acquires waiting at once (all keys); beyond it acquire rejects with RateLimitedError. */
  maxQueue?: number;
  /** Waiting acquires at which the `highWater` event fires. */
  highWaterMark?: number;
}

export const LIMITER_DEFAULTS = {
  /** acquire() is documented to wait; 'reject' and 'pace' are opt-in. */
  backpressure: 'queue' as Backpressure,
  /** The same waiting room as the bulkhead (core/options.ts QUEUE_DEFAULTS, where the reason is). */
  maxQueue: QUEUE_DEFAULTS.maxQueue as number,
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

/** The error for a cost that is not a positive integer (core/option-checks.ts wording). */
export function badCost(cost: unknown): RangeError {
  return integerError('limiter', 'cost', cost, 1);
}

const BACKPRESSURES: readonly Backpressure[] = ['reject', 'queue', 'pace'];

/**
 * Builds a limiter from an algorithm and the common options, validating them; `component` (the
 * factory's name, e.g. `tokenBucket`) names the limiter in the errors.
 */
export function createLimiter(algorithm: Algorithm, options: LimiterOptions, component = 'createLimiter'): RateLimiter {
  let backpressure: Backpressure | 'throttle' = options.backpressure ?? LIMITER_DEFAULTS.backpressure;
  if (backpressure === 'throttle') {
    warnDeprecated('BULWARK_DEP_BACKPRESSURE_THROTTLE', `${component}: backpressure 'throttle' is deprecated and will be removed at 1.0; use 'pace'`);
    backpressure = 'pace';
  }
  checkOneOf(component, 'backpressure', backpressure, BACKPRESSURES);
  const maxQueue = options.maxQueue ?? LIMITER_DEFAULTS.maxQueue;
  checkInteger(component, 'maxQueue', maxQueue, 0, true);
  const highWaterMark = options.highWaterMark ?? Math.max(1, Math.ceil(maxQueue * LIMITER_DEFAULTS.highWaterRatio));
  checkInteger(component, 'highWaterMark', highWaterMark, 1, true);
  // State in this process unless a shared store is given.
  const store = options.store ?? memoryStore();
  checkShape(component, 'store', store, 'a LimiterStore, e.g. memoryStore() or redisStore(client)', ['bind']);
  return new RateLimiter(algorithm, store, options.clock ?? systemClock, backpressure, maxQueue, highWaterMark);
}
