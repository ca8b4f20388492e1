/**
 * Rate limit: admits a call only when a `Limiter` (token bucket, GCRA, windows, ...) has room.
 *
 * `wait: false` (default) asks the limiter once and rejects at once with RateLimitedError,
 * whose `retryAfterMs` an outer retry honours as its minimum wait. `wait: true` queues until the
 * limiter admits the call, up to `maxWaitMs`, leaving the queue at once if the caller aborts.
 */
import type { Context } from '../core/context.js';
import { RateLimitedError, abortedFrom } from '../core/errors.js';
import type { AcquireOptions, Limiter } from '../core/limiter.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';

export interface RateLimitOptions {
  /** The limiter key the calls are charged to (e.g. an exchange account or an endpoint). */
  key?: string;
  /** Units charged per call (a finite number > 0), e.g. an exchange's request weight. */
  cost?: number;
  /** Wait for room instead of rejecting at once. */
  wait?: boolean;
  /** With `wait`: give up with RateLimitedError rather than wait longer than this (a finite number >= 0). */
  maxWaitMs?: number;
}

export const RATE_LIMIT_DEFAULTS = {
  /** One shared key: the whole policy is one budget unless told otherwise. */
  key: 'default',
  /** One unit per call: a plain request count. */
  cost: 1,
  /** Reject at once: a trading call that waits may act on a stale price. */
  wait: false,
  /** With `wait`, the limiter's own limit applies (unbounded unless it sets one). */
  maxWaitMs: undefined as number | undefined,
};

export interface RateLimitEvents {
  /** A call was refused (or gave up waiting) under `key`. */
  limited: { key: string; cost: number; retryAfterMs: number };
}

export class RateLimitPolicy extends BasePolicy<RateLimitEvents> {
  readonly key: string;
  readonly cost: number;
  readonly wait: boolean;
  readonly maxWaitMs: number | undefined;

  constructor(
    private readonly limiter: Limiter,
    options: RateLimitOptions = {},
  ) {
    super();
    if (typeof limiter?.consume !== 'function' || typeof limiter.acquire !== 'function') {
      throw new TypeError('rateLimit: limiter must be a Limiter (consume() and acquire()), e.g. tokenBucket({ ... })');
    }
    const key = options.key ?? RATE_LIMIT_DEFAULTS.key;
    if (typeof key !== 'string' || key === '') throw new TypeError(`rateLimit: key must be a non-empty string, got ${String(key)}`);
    const cost = options.cost ?? RATE_LIMIT_DEFAULTS.cost;
    if (!(cost > 0 && Number.isFinite(cost))) throw new RangeError(`rateLimit: cost must be a finite number > 0, got ${cost}`);
    const wait = options.wait ?? RATE_LIMIT_DEFAULTS.wait;
    if (typeof wait !== 'boolean') throw new TypeError(`rateLimit: wait must be a boolean, got ${typeof wait}`);
    const maxWaitMs = options.maxWaitMs ?? RATE_LIMIT_DEFAULTS.maxWaitMs;
    if (maxWaitMs !== undefined) {
      if (!(maxWaitMs >= 0 && Number.isFinite(maxWaitMs))) {
        throw new RangeError(`rateLimit: maxWaitMs must be a finite number >= 0, got ${maxWaitMs}`);
      }
      if (!wait) throw new TypeError('rateLimit: maxWaitMs only applies with wait: true');
    }
    this.key = key;
    this.cost = cost;
    this.wait = wait;
    this.maxWaitMs = maxWaitMs;
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) return Promise.reject(abortedFrom(ctx.signal));
    try {
      return this.admit(fn, ctx);
    } catch (error) {
      // A limiter that throws instead of rejecting still yields a rejected promise.
      return Promise.reject(error);
    }
  }

  private admit<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (!this.wait) {
      return this.limiter.consume(this.key, this.cost).then((decision) => {
        if (!decision.allowed) throw this.limited(new RateLimitedError(decision.retryAfterMs));
        return invoke(fn, ctx);
      });
    }
    const options: AcquireOptions = {};
    if (ctx.source.mayAbort) options.signal = ctx.signal;
    if (this.maxWaitMs !== undefined) options.maxWaitMs = this.maxWaitMs;
    return this.limiter.acquire(this.key, this.cost, options).then(
      () => invoke(fn, ctx),
      (error: unknown) => {
        throw error instanceof RateLimitedError ? this.limited(error) : error;
      },
    );
  }

  private limited(error: RateLimitedError): RateLimitedError {
    if (this.events.has('limited')) {
      this.events.emit('limited', { key: this.key, cost: this.cost, retryAfterMs: error.retryAfterMs });
    }
    return error;
  }
}

/** A rate-limit policy over `limiter`: key 'default', cost 1, reject at once unless `wait`. */
export function rateLimit(limiter: Limiter, options: RateLimitOptions = {}): RateLimitPolicy {
  return new RateLimitPolicy(limiter, options);
}
