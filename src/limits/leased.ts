import type { Clock } from '../core/clock.js';
import { Emitter } from '../core/events.js';
import type { AcquireOptions, Decision, Limiter } from '../core/limiter.js';
import { AcquireQueue, type LimiterEvents } from './acquire-queue.js';
import { positive, positiveInteger } from './algorithm.js';
import { LIMITER_DEFAULTS, type RateLimiter, badCost } from './rate-limiter.js';

export interface LeasedOptions {
  /** How long a reserved batch may be spent before its leftover is given back. */
  leaseMs?: number;
  /** The largest batch reserved at once: the most a crashed process can waste. */
  maxBatch?: number;
  /** Decide with this local limiter while the shared store is unreachable (fail-open); without it, fail closed. */
  insurance?: Limiter;
}

export const LEASED_DEFAULTS = {
  /** Short enough that an unused batch returns to the pool quickly, long enough to save round trips. */
  leaseMs: 1_000,
  /** A tenth of the limiter's burst: ten processes can hold a batch each without starving one another. */
  maxBatchShare: 0.1,
  /** New rate estimates weigh as much as the history: adapts within a few batches. */
  rateSmoothing: 0.5,
} as const;

interface Lease {
  /** Units reserved and not yet spent. */
  left: number;
  /** Local time after which the units must not be spent. */
  expiresAt: number;
  stamp: number;
  /** When the current batch was reserved, and how many units it held (for the rate estimate). */
  reservedAt: number;
  batch: number;
  /** Smoothed spending rate, units per ms. */
  rate: number;
  pending: Promise<Decision> | undefined;
}

/**
 * Leased mode: spends budget at memory speed while keeping a shared (Redis) limit exact. A
 * process reserves a small batch of units from the store (charged there at once, so no window
 * can exceed the global limit), spends it locally, and reserves again when it runs out or the
 * lease ends. The batch follows the process's own rate (about half a lease's worth, capped at
 * `maxBatch`); leftovers go back on expiry and on `close()`. A crashed process wastes at most
 * its last batch; it can never overspend.
 */
export class LeasedLimiter implements Limiter {
  private readonly leases = new Map<string, Lease>();
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly maxBatch: number;
  private readonly queue: AcquireQueue;
  private readonly events = new Emitter<LimiterEvents>();
  private closed = false;
  private readonly releases = new Set<Promise<void>>();

  constructor(
    private readonly limiter: RateLimiter,
    options: LeasedOptions,
  ) {
    this.clock = limiter.clock;
    this.leaseMs = positive('leased', 'leaseMs', options.leaseMs ?? LEASED_DEFAULTS.leaseMs);
    this.maxBatch = positiveInteger('leased', 'maxBatch',
      options.maxBatch ?? Math.max(1, Math.floor(limiter.algorithm.maxCost * LEASED_DEFAULTS.maxBatchShare)),
    );
    this.insurance = options.insurance;
    this.queue = new AcquireQueue({
      clock: this.clock,
      backpressure: 'queue',
      maxQueue: LIMITER_DEFAULTS.maxQueue,
      highWaterMark: Math.ceil(LIMITER_DEFAULTS.maxQueue * LIMITER_DEFAULTS.highWaterRatio),
      ratePerMs: limiter.algorithm.ratePerMs,
      maxCost: limiter.algorithm.maxCost,
      events: this.events,
      decide: (key, cost) => this.decide(key, cost),
    });
  }

  private readonly insurance: Limiter | undefined;

  consume(key: string, cost = 1): Promise<Decision> {
    if (!Number.isInteger(cost) || cost < 1) return Promise.reject(badCost(cost));
    const decision = this.decide(key, cost);
    return decision instanceof Promise ? decision : Promise.resolve(decision);
  }

  acquire(key: string, cost = 1, options?: AcquireOptions): Promise<void> {
    if (!Number.isInteger(cost) || cost < 1) return Promise.reject(badCost(cost));
    return this.queue.acquire(key, cost, options);
  }

  /** Units reserved for `key` and not yet spent (0 when its lease expired). */
  leftover(key: string): number {
    const lease = this.leases.get(key);
    return lease && this.clock.now() < lease.expiresAt ? lease.left : 0;
  }

  /** Spends from the lease when it can (synchronously), else reserves a new batch. */
  private decide(key: string, cost: number): Decision | Promise<Decision> {
    if (this.closed) return Promise.reject(new Error('leased limiter is closed'));
    const lease = this.leases.get(key);
    if (lease !== undefined && lease.left >= cost && this.clock.now() < lease.expiresAt) {
      lease.left -= cost;
      return { allowed: true, remaining: lease.left, retryAfterMs: 0 };
    }
    return this.renew(key, cost, lease);
  }

  private async renew(key: string, cost: number, existing: Lease | undefined): Promise<Decision> {
    // One reservation in flight per key: the others wait for it and try the new lease.
    if (existing?.pending) {
      await existing.pending.catch(() => undefined);
      return this.decide(key, cost);
    }
    const lease: Lease = existing ?? { left: 0, expiresAt: -Infinity, stamp: 0, reservedAt: 0, batch: 0, rate: 0, pending: undefined };
    if (!existing) this.leases.set(key, lease);
    const pending = this.reserve(key, cost, lease);
    lease.pending = pending;
    try {
      return await pending;
    } finally {
      lease.pending = undefined;
    }
  }

  private async reserve(key: string, cost: number, lease: Lease): Promise<Decision> {
    const sentAt = this.clock.now();
    // Estimate the rate from how fast the previous batch went.
    if (lease.batch > 0) {
      const spent = lease.batch - lease.left;
      const elapsed = Math.max(1, sentAt - lease.reservedAt);
      const sample = spent / elapsed;
      lease.rate = lease.rate === 0 ? sample : lease.rate + LEASED_DEFAULTS.rateSmoothing * (sample - lease.rate);
    }
    this.giveBack(key, lease);
    const want = Math.min(this.maxBatch, Math.max(cost, Math.ceil((lease.rate * this.leaseMs) / 2)));
    let grant;
    try {
      grant = await this.limiter.reserve(key, Math.max(want, cost), cost, this.leaseMs);
    } catch (error) {
      if (this.insurance) return this.insurance.consume(key, cost);
      throw error;
    }
    if (grant.granted < cost) return { allowed: false, remaining: grant.remaining, retryAfterMs: grant.retryAfterMs };
    lease.left = grant.granted - cost;
    lease.batch = grant.granted;
    lease.stamp = grant.stamp;
    lease.reservedAt = sentAt;
    // Measured from before the request was sent, so local expiry never outlasts the store's.
    lease.expiresAt = sentAt + grant.validForMs;
    return { allowed: true, remaining: lease.left, retryAfterMs: 0 };
  }

  /** Returns a lease's unspent units to the store (they will never be spent). */
  private giveBack(key: string, lease: Lease): void {
    if (lease.left <= 0) return;
    const release = this.limiter.release(key, lease.left, lease.stamp);
    lease.left = 0;
    this.releases.add(release);
    void release.finally(() => this.releases.delete(release));
  }

  /** Returns every unspent unit to the store and stops admitting. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [key, lease] of this.leases) this.giveBack(key, lease);
    this.leases.clear();
    await Promise.all(this.releases);
  }
}

/**
 * Leased mode over a limiter built on a shared store (e.g. `slidingWindow({ ..., store:
 * redisStore(redis) })`). Use a prefix that only leased limiters use for that limit.
 */
export function leased(limiter: RateLimiter, options: LeasedOptions = {}): LeasedLimiter {
  if (typeof limiter !== 'object' || limiter === null || typeof limiter.reserve !== 'function') {
    throw new TypeError('leased(limiter) needs a limiter made by tokenBucket, gcra, slidingWindow or fixedWindow');
  }
  return new LeasedLimiter(limiter, options);
}
