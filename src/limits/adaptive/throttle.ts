import { type Clock, systemClock } from '../../core/clock.js';
import type { Context } from '../../core/context.js';
import { RateLimitedError, TimeoutError, abortedFrom } from '../../core/errors.js';
import { type OutcomeEvents, reportOutcome } from '../../core/outcome-events.js';
import { BasePolicy, type Operation, invoke } from '../../core/policy.js';
import { checkFunction, checkNumber } from '../../core/option-checks.js';
import { RollingCounts } from './rolling-counts.js';
import { withDefaults } from '../../core/options.js';

/**
 * Client-side adaptive throttling (Google SRE book, "Handling Overload"). Over a rolling window
 * the client counts `requests` (every call it was asked to make, the ones it rejected itself
 * included) and `accepts` (calls the backend accepted). It rejects a new call locally with
 * probability max(0, (requests - K * accepts) / (requests + 1)). While the backend accepts
 * everything the probability is 0; when it rejects, the client sheds its own load instead of
 * sending requests that would be refused anyway, and recovers as accepts come back.
 */
export interface AdaptiveThrottleOptions {
  /** K: how many requests per accept the client may send; 2 is the SRE book's recommendation. */
  k?: number;
  /** Length of the rolling window; 2 minutes as in the SRE book. */
  windowMs?: number;
  /** Bucket granularity of the window; 1 s makes old counts expire smoothly. */
  bucketMs?: number;
  /** Which failures are backend rejections; other errors still count as accepted (the backend answered). */
  isRejection?: (error: unknown) => boolean;
  /** Randomness in [0, 1); inject a seeded one in tests. */
  random?: () => number;
  /** Time source of the rolling window and of the `success` / `failure` durations. */
  clock?: Clock;
}

/** A rate-limit answer, a timeout, or an HTTP 429/503 status on the error: the backend refused. */
function isOverloadRejection(error: unknown): boolean {
  if (error instanceof RateLimitedError || error instanceof TimeoutError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return status === 429 || status === 503;
}

export const ADAPTIVE_THROTTLE_DEFAULTS = {
  k: 2,
  windowMs: 120_000,
  bucketMs: 1_000,
  isRejection: isOverloadRejection,
  random: Math.random,
  clock: systemClock,
} satisfies Required<AdaptiveThrottleOptions>;

export interface AdaptiveThrottleEvents extends OutcomeEvents {
  /** A call was rejected locally, without reaching the backend (`reason` is always `'throttled'`). */
  rejected: { reason: 'throttled'; probability: number; requests: number; accepts: number };
}

const REQUESTS = 0;
const ACCEPTS = 1;

export class AdaptiveThrottle extends BasePolicy<AdaptiveThrottleEvents> {
  private readonly k: number;
  private readonly counts: RollingCounts;
  private readonly isRejection: (error: unknown) => boolean;
  private readonly random: () => number;
  private readonly clock: Clock;

  constructor(options: AdaptiveThrottleOptions = {}) {
    super();
    const o = withDefaults(ADAPTIVE_THROTTLE_DEFAULTS, options);
    checkNumber('adaptiveThrottle', 'k', o.k, 1);
    checkNumber('adaptiveThrottle', 'windowMs', o.windowMs, 0, Infinity, true);
    checkNumber('adaptiveThrottle', 'bucketMs', o.bucketMs, 0, o.windowMs, true);
    checkFunction('adaptiveThrottle', 'isRejection', o.isRejection);
    checkFunction('adaptiveThrottle', 'random', o.random);
    this.k = o.k;
    this.isRejection = o.isRejection;
    this.random = o.random;
    this.clock = o.clock;
    this.counts = new RollingCounts(o.clock, o.windowMs, o.bucketMs, 2);
  }

  /** Requests and accepts counted in the current window. */
  stats(): { requests: number; accepts: number } {
    return { requests: this.counts.sum(REQUESTS), accepts: this.counts.sum(ACCEPTS) };
  }

  /** The probability that the next call is rejected locally. */
  probability(): number {
    const { requests, accepts } = this.stats();
    return Math.max(0, (requests - this.k * accepts) / (requests + 1));
  }

  /**
   * For use without `execute`: counts one request and decides whether to send it. When it
   * returns true, report the outcome with `record(accepted)`.
   */
  tryAcquire(): boolean {
    const p = this.probability();
    this.counts.add(REQUESTS);
    if (p > 0 && this.random() < p) {
      if (this.events.has('rejected')) this.events.emit('rejected', { reason: 'throttled', probability: p, ...this.stats() });
      return false;
    }
    return true;
  }

  /** Reports whether the backend accepted a request that `tryAcquire` let through. */
  record(accepted: boolean): void {
    if (accepted) this.counts.add(ACCEPTS);
  }

  async run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) throw abortedFrom(ctx.signal);
    if (!this.tryAcquire()) {
      throw new RateLimitedError(0, 'Throttled locally: the backend has been rejecting requests (adaptive throttle)');
    }
    try {
      const result = await reportOutcome(this.events, this.clock, () => invoke(fn, ctx));
      this.record(true);
      return result;
    } catch (error) {
      this.record(!this.isRejection(error));
      throw error;
    }
  }
}

/** A client-side adaptive throttle policy; see `AdaptiveThrottleOptions`. */
export function adaptiveThrottle(options: AdaptiveThrottleOptions = {}): AdaptiveThrottle {
  return new AdaptiveThrottle(options);
}
