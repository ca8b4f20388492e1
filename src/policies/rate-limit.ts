/**
 * Rate limit: admits a call only when a `Limiter` (token bucket, GCRA, windows, ...) has room.
 *
 * `backpressure: false` (default) asks the limiter once and rejects at once with RateLimitedError,
 * whose `retryAfterMs` an outer retry honours as its minimum wait. `backpressure: true` waits
 * (the limiter's own backpressure strategy) until the limiter admits the call, up to
 * `maxWaitMs`, leaving the queue at once if the caller aborts.
 */
import type { Context } from '../core/context.js';
import { RateLimitedError, abortedFrom } from '../core/errors.js';
import type { AcquireOptions, Limiter } from '../core/limiter.js';
import { type Clock, systemClock } from '../core/clock.js';
import { deprecatedOption, warnDeprecated } from '../core/deprecated.js';
import type { Listener, Unsubscribe } from '../core/events.js';
import { checkBoolean, checkCost, checkNonEmptyString, checkNumber, checkShape } from '../core/option-checks.js';
import { type OutcomeEvents, reportOutcome } from '../core/outcome-events.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';

export interface RateLimitOptions {
  /** The limiter key the calls are charged to (e.g. an exchange account or an endpoint). */
  key?: string;
  /** Units charged per call (a positive integer, as every limiter takes), e.g. an exchange's request weight. */
  cost?: number;
  /** Wait for room instead of rejecting at once. */
  backpressure?: boolean;
  /** @deprecated Use `backpressure` (the same option under its old name); removed at 1.0. */
  wait?: boolean;
  /** With `backpressure`: give up with RateLimitedError rather than wait longer than this (a finite number >= 0). */
  maxWaitMs?: number;
  /** Source of time for the `success` / `failure` durations. */
  clock?: Clock;
}

export const RATE_LIMIT_DEFAULTS = {
  /** One shared key: the whole policy is one budget unless told otherwise. */
  key: 'default',
  /** One unit per call: a plain request count. */
  cost: 1,
  /** Reject at once: a trading call that waits may act on a stale price. */
  backpressure: false,
  /** With `backpressure`, the limiter's own limit applies (unbounded unless it sets one). */
  maxWaitMs: undefined as number | undefined,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

/** The payload of `rejected` (and of its deprecated twin `limited`). */
export interface RateLimitRejected {
  reason: 'limited';
  key: string;
  cost: number;
  retryAfterMs: number;
}

export interface RateLimitEvents extends OutcomeEvents {
  /** A call was refused (or gave up waiting) under `key`; `reason` is always `'limited'`. */
  rejected: RateLimitRejected;
  /**
   * @deprecated Listen to `rejected` (the same payload); emitted beside it until 1.0, when it is
   * removed.
   */
  limited: RateLimitRejected;
}

export class RateLimitPolicy extends BasePolicy<RateLimitEvents> {
  readonly key: string;
  readonly cost: number;
  readonly backpressure: boolean;
  readonly maxWaitMs: number | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly limiter: Limiter,
    options: RateLimitOptions = {},
  ) {
    super();
    checkShape('rateLimit', 'limiter', limiter, 'a Limiter, e.g. tokenBucket({ ... })', ['consume', 'acquire']);
    const key = options.key ?? RATE_LIMIT_DEFAULTS.key;
    checkNonEmptyString('rateLimit', 'key', key);
    const cost = options.cost ?? RATE_LIMIT_DEFAULTS.cost;
    checkCost('rateLimit', 'cost', cost);
    const backpressure = deprecatedOption<boolean>('rateLimit', options, 'backpressure', 'wait', 'BULWARK_DEP_RATE_LIMIT_WAIT') ?? RATE_LIMIT_DEFAULTS.backpressure;
    checkBoolean('rateLimit', 'backpressure', backpressure);
    const maxWaitMs = options.maxWaitMs ?? RATE_LIMIT_DEFAULTS.maxWaitMs;
    if (maxWaitMs !== undefined) {
      checkNumber('rateLimit', 'maxWaitMs', maxWaitMs, 0);
      if (!backpressure) throw new TypeError('rateLimit: maxWaitMs only applies with backpressure: true');
    }
    this.key = key;
    this.cost = cost;
    this.backpressure = backpressure;
    this.maxWaitMs = maxWaitMs;
    this.clock = options.clock ?? RATE_LIMIT_DEFAULTS.clock;
  }

  /** @deprecated Use `backpressure`; removed at 1.0. */
  get wait(): boolean {
    return this.backpressure;
  }

  override on<K extends keyof RateLimitEvents & string>(name: K, listener: Listener<RateLimitEvents[K]>): Unsubscribe {
    if (name === 'limited') warnDeprecated('BULWARK_DEP_RATE_LIMIT_LIMITED', "rateLimit: event 'limited' is deprecated and will be removed at 1.0; listen to 'rejected' (the same payload)");
    return super.on(name, listener);
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
    if (!this.backpressure) {
      return this.limiter.consume(this.key, this.cost).then((decision) => {
        if (!decision.allowed) throw this.limited(new RateLimitedError(decision.retryAfterMs));
        return this.call(fn, ctx);
      });
    }
    const options: AcquireOptions = {};
    if (ctx.source.mayAbort) options.signal = ctx.signal;
    if (this.maxWaitMs !== undefined) options.maxWaitMs = this.maxWaitMs;
    return this.limiter.acquire(this.key, this.cost, options).then(
      () => this.call(fn, ctx),
      (error: unknown) => {
        throw error instanceof RateLimitedError ? this.limited(error) : error;
      },
    );
  }

  /** The admitted call; `success` / `failure` time it from admission, not from the wait. */
  private call<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (this.events.has('success') || this.events.has('failure')) return reportOutcome(this.events, this.clock, () => invoke(fn, ctx));
    return invoke(fn, ctx);
  }

  private limited(error: RateLimitedError): RateLimitedError {
    if (this.events.has('rejected') || this.events.has('limited')) {
      const event: RateLimitRejected = { reason: 'limited', key: this.key, cost: this.cost, retryAfterMs: error.retryAfterMs };
      this.events.emit('rejected', event);
      this.events.emit('limited', event);
    }
    return error;
  }
}

/** A rate-limit policy over `limiter`: key 'default', cost 1, reject at once unless `backpressure`. */
export function rateLimit(limiter: Limiter, options: RateLimitOptions = {}): RateLimitPolicy {
  return new RateLimitPolicy(limiter, options);
}
