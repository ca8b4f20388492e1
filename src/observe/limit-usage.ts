/**
 * Live usage of a rate limit for the dashboard and `/api/limits`: a wrapper around any Limiter
 * that counts what it admitted and refused over a rolling window, with the queue length when the
 * limiter has one. The wrapped limiter is used in its place.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { AcquireOptions, Decision, Limiter } from '../core/limiter.js';
import { checkNonEmptyString, checkNumber } from '../core/option-checks.js';
import type { LimitUsage } from './views.js';
import type { Metrics } from './metrics.js';
export type { LimitUsage } from './views.js';

export interface LimitUsageOptions {
  /** Shown on the dashboard, e.g. 'binance orders'. */
  name: string;
  /** Human description of the limit, e.g. '10 orders/s, burst 20'. */
  description?: string;
  /** Units the limit allows per `windowMs`, for a usage percentage; unknown when omitted. */
  capacity?: number;
  /** Rolling window for the counts; one minute matches how exchanges state their limits. */
  windowMs?: number;
  clock?: Clock;
}

export const LIMIT_USAGE_DEFAULTS = {
  description: '',
  capacity: undefined as number | undefined,
  windowMs: 60_000,
  clock: systemClock as Clock,
};


type Stamp = [at: number, units: number];

export class TrackedLimiter implements Limiter {
  readonly name: string;
  private readonly o: typeof LIMIT_USAGE_DEFAULTS & { name: string };
  private readonly admits: Stamp[] = [];
  private readonly refusals: Stamp[] = [];

  constructor(
    private readonly inner: Limiter & { readonly queued?: number },
    options: LimitUsageOptions,
  ) {
    checkNonEmptyString('trackLimiter', 'name', options?.name);
    this.o = { ...LIMIT_USAGE_DEFAULTS, ...options };
    checkNumber('trackLimiter', 'windowMs', this.o.windowMs, 0, Infinity, true);
    if (this.o.capacity !== undefined) checkNumber('trackLimiter', 'capacity', this.o.capacity, 0, Infinity, true);
    this.name = options.name;
  }

  private note(list: Stamp[], units: number): void {
    list.push([this.o.clock.now(), units]);
  }

  private sum(list: Stamp[], now: number): number {
    while (list.length > 0 && list[0]![0] <= now - this.o.windowMs) list.shift();
    let total = 0;
    for (const [, units] of list) total += units;
    return total;
  }

  async consume(key: string, cost = 1): Promise<Decision> {
    const decision = await this.inner.consume(key, cost);
    this.note(decision.allowed ? this.admits : this.refusals, decision.allowed ? cost : 1);
    return decision;
  }

  async acquire(key: string, cost = 1, options?: AcquireOptions): Promise<void> {
    try {
      await this.inner.acquire(key, cost, options);
    } catch (error) {
      this.note(this.refusals, 1);
      throw error;
    }
    this.note(this.admits, cost);
  }

  usage(): LimitUsage {
    const now = this.o.clock.now();
    const admitted = this.sum(this.admits, now);
    const limited = this.sum(this.refusals, now);
    return {
      name: this.name,
      description: this.o.description,
      windowMs: this.o.windowMs,
      admitted,
      limited,
      usage: this.o.capacity === undefined ? null : Math.min(1, admitted / this.o.capacity),
      queued: typeof this.inner.queued === 'number' ? this.inner.queued : 0,
    };
  }
}

/** Wraps a limiter so its usage can be shown; use the returned limiter in its place. */
export function trackLimiter(limiter: Limiter & { readonly queued?: number }, options: LimitUsageOptions): TrackedLimiter {
  return new TrackedLimiter(limiter, options);
}

/** Anything that reports its usage, such as a TrackedLimiter. */
export interface LimitUsageSource {
  usage(): LimitUsage;
}

/** Exports a limit's usage share and queue length as gauges, read at each scrape; returns the unbind function. */
export function observeLimitUsage(metrics: Metrics, limiter: LimitUsageSource): () => void {
  const refresh = (): void => {
    const u = limiter.usage();
    const name = metrics.label('name', u.name);
    if (u.usage !== null) metrics.rateLimitUsage.set({ name }, u.usage);
    metrics.rateLimitQueued.set({ name }, u.queued);
  };
  refresh();
  return metrics.onScrape(refresh);
}
