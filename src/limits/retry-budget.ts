import { type Clock, systemClock } from '../core/clock.js';
import type { RetryBudget } from '../core/retry-budget.js';
import { RollingCounts } from './adaptive/rolling-counts.js';
import { checkNumber } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';

/**
 * A retry budget (as in Finagle and gRPC): over a rolling window, retries may be at most
 * `ratio` of requests, plus a floor of `minRetriesPerSecond` so a quiet client can still retry.
 * In the window, allowed retries = ratio * requests + minRetriesPerSecond * windowMs / 1000.
 * Pass it to the retry policy's `budget` option; share one budget among every retry policy
 * that calls the same dependency so their retries are capped together.
 */
export interface RetryBudgetOptions {
  /** Share of requests that may be retried; 0.2 caps the extra load from retries at 20%. */
  ratio?: number;
  /** Retries always allowed per second of window; 10 lets a quiet client retry its few calls (Finagle). */
  minRetriesPerSecond?: number;
  /** Length of the rolling window; 10 s as in Finagle: long enough to smooth, short enough to recover. */
  windowMs?: number;
  /** Bucket granularity of the window; 1/10 of the default window. */
  bucketMs?: number;
  /** Time source of the rolling window. */
  clock?: Clock;
}

export const RETRY_BUDGET_DEFAULTS = {
  ratio: 0.2,
  minRetriesPerSecond: 10,
  windowMs: 10_000,
  bucketMs: 1_000,
  clock: systemClock,
} satisfies Required<RetryBudgetOptions>;

const REQUESTS = 0;
const RETRIES = 1;

/** The budget's settings that may change while it runs (`reconfigure()`); the window's length is fixed. */
export interface RetryBudgetSettings {
  ratio: number;
  minRetriesPerSecond: number;
}

export class RollingRetryBudget implements RetryBudget {
  private ratio: number;
  private minRetriesPerSecond: number;
  private floor: number;
  private readonly windowMs: number;
  private readonly counts: RollingCounts;

  constructor(options: RetryBudgetOptions = {}) {
    const o = withDefaults(RETRY_BUDGET_DEFAULTS, options);
    checkNumber('retryBudget', 'ratio', o.ratio, 0, 1);
    checkNumber('retryBudget', 'minRetriesPerSecond', o.minRetriesPerSecond, 0);
    checkNumber('retryBudget', 'windowMs', o.windowMs, 0, Infinity, true);
    checkNumber('retryBudget', 'bucketMs', o.bucketMs, 0, o.windowMs, true);
    this.ratio = o.ratio;
    this.minRetriesPerSecond = o.minRetriesPerSecond;
    this.windowMs = o.windowMs;
    this.floor = (o.minRetriesPerSecond * o.windowMs) / 1000;
    this.counts = new RollingCounts(o.clock, o.windowMs, o.bucketMs, 2);
  }

  /** The settings in force. */
  currentSettings(): RetryBudgetSettings {
    return { ratio: this.ratio, minRetriesPerSecond: this.minRetriesPerSecond };
  }

  /**
   * Changes the share and the floor while the budget runs (a tuning applied live), checked as the
   * constructor checks them; the requests and retries counted in the window are kept, so the new
   * limit applies to the current window at once. Returns the settings now in force.
   */
  reconfigure(changes: Partial<RetryBudgetSettings>): RetryBudgetSettings {
    const ratio = changes.ratio ?? this.ratio;
    const minRetriesPerSecond = changes.minRetriesPerSecond ?? this.minRetriesPerSecond;
    checkNumber('retryBudget', 'ratio', ratio, 0, 1);
    checkNumber('retryBudget', 'minRetriesPerSecond', minRetriesPerSecond, 0);
    this.ratio = ratio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.floor = (minRetriesPerSecond * this.windowMs) / 1000;
    return this.currentSettings();
  }

  recordRequest(): void {
    this.counts.add(REQUESTS);
  }

  tryRetry(): boolean {
    // The epsilon keeps 0.2 * 5 requests from rounding just below the one retry it should allow.
    if (this.counts.sum(RETRIES) + 1 > this.allowed() + 1e-9) return false;
    this.counts.add(RETRIES);
    return true;
  }

  /** Retries allowed in the current window, spent or not. */
  allowed(): number {
    return this.ratio * this.counts.sum(REQUESTS) + this.floor;
  }

  /** Requests and retries counted in the current window. */
  stats(): { requests: number; retries: number; allowed: number } {
    return { requests: this.counts.sum(REQUESTS), retries: this.counts.sum(RETRIES), allowed: this.allowed() };
  }
}

/** A rolling-window retry budget for the retry policy's `budget` option. */
export function retryBudget(options: RetryBudgetOptions = {}): RollingRetryBudget {
  return new RollingRetryBudget(options);
}
