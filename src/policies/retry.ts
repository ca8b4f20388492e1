/**
 * Retry: runs the operation again after a failure, waiting a backoff delay between tries.
 *
 * The first try is the fast path: no backoff sequence, no timestamp and no signal are touched
 * until it fails. The wait between tries ends at once when the caller's signal aborts.
 * When retries run out the last error is rethrown as it was (the same object), or the last
 * result is returned.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { Context } from '../core/context.js';
import {
  AbortedError,
  BrokenCircuitError,
  BulkheadFullError,
  IsolatedCircuitError,
  abortedFrom,
  retryAfterOf,
} from '../core/errors.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';
import type { RetryBudget } from '../core/retry-budget.js';
import { type Backoff, backoff as backoffs } from './backoff.js';

export interface RetryOptions {
  /** Tries in all, the first included (an integer >= 1, or Infinity with `maxElapsedMs`). */
  maxAttempts?: number;
  /** Delays between tries. */
  backoff?: Backoff;
  /** Whether an error is worth another try. */
  retryOn?: (error: unknown) => boolean;
  /** Whether a successful result is worth another try (e.g. an HTTP 503 returned as a value). */
  retryOnResult?: (result: unknown) => boolean;
  /** Total time budget from the first try: a wait that would end past it is not started. */
  maxElapsedMs?: number;
  /** Caps retries as a share of requests across all calls (see `RetryBudget`). */
  budget?: RetryBudget;
  /** Source of time for the waits. */
  clock?: Clock;
  /** Randomness in [0, 1) for the default backoff's jitter (seed it in tests); give your own `backoff` its own. */
  random?: () => number;
}

/** The toolkit's own errors that another try cannot fix right away. */
export function isTransient(error: unknown): boolean {
  return !(
    error instanceof BrokenCircuitError ||
    error instanceof IsolatedCircuitError ||
    error instanceof BulkheadFullError ||
    error instanceof AbortedError
  );
}

export const retryDefaults = {
  /** Three tries ride out a blip without piling onto a dependency that is really down. */
  maxAttempts: 3,
  /** Exponential from 100 ms with decorrelated jitter, so synchronized clients spread out. */
  backoff: backoffs.exponential(),
  /** Retry everything but an open/isolated circuit, a full bulkhead or an abort: those do not heal in a backoff. */
  retryOn: isTransient,
  /** Results are final unless told otherwise. */
  retryOnResult: undefined as ((result: unknown) => boolean) | undefined,
  /** No time budget: `maxAttempts` alone bounds the loop. */
  maxElapsedMs: undefined as number | undefined,
  /** No shared budget: every call may use all its tries. */
  budget: undefined as RetryBudget | undefined,
  /** Wall-clock time. */
  clock: systemClock as Clock,
  /** The default backoff draws its jitter from Math.random. */
  random: undefined as (() => number) | undefined,
};

/** Why retry stopped trying. */
export type GiveUpReason = 'exhausted' | 'not-retryable' | 'budget' | 'elapsed' | 'aborted';

/** A try's outcome in an event: the error it threw, or the result `retryOnResult` rejected. */
export type RetryOutcome = { error: unknown; result?: never } | { result: unknown; error?: never };

export interface RetryEvents {
  /** A try failed and another will start after `delayMs`. `attempt` is the try that failed (1-based). */
  retry: { attempt: number; delayMs: number } & RetryOutcome;
  /** Retry stopped: `attempts` tries were made; the outcome is the last one's. */
  giveUp: { attempts: number; reason: GiveUpReason } & RetryOutcome;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`retry: ${name} must be a function, got ${typeof value}`);
  }
}

export class RetryPolicy extends BasePolicy<RetryEvents> {
  readonly maxAttempts: number;
  private readonly backoff: Backoff;
  private readonly retryOn: (error: unknown) => boolean;
  private readonly retryOnResult: ((result: unknown) => boolean) | undefined;
  private readonly maxElapsedMs: number | undefined;
  private readonly budget: RetryBudget | undefined;
  private readonly clock: Clock;

  constructor(options: RetryOptions = {}) {
    super();
    const maxAttempts = options.maxAttempts ?? retryDefaults.maxAttempts;
    if (!(maxAttempts >= 1 && (Number.isInteger(maxAttempts) || maxAttempts === Infinity))) {
      throw new RangeError(`retry: maxAttempts must be an integer >= 1 (tries in all, the first included), got ${maxAttempts}`);
    }
    const maxElapsedMs = options.maxElapsedMs ?? retryDefaults.maxElapsedMs;
    if (maxElapsedMs !== undefined && !(maxElapsedMs >= 0 && Number.isFinite(maxElapsedMs))) {
      throw new RangeError(`retry: maxElapsedMs must be a finite number >= 0, got ${maxElapsedMs}`);
    }
    if (options.random !== undefined) {
      if (typeof options.random !== 'function') throw new TypeError(`retry: random must be a function returning [0, 1), got ${typeof options.random}`);
      if (options.backoff !== undefined) throw new TypeError('retry: random applies to the default backoff only; pass it to your own backoff instead');
    }
    const backoff = options.backoff ?? (options.random ? backoffs.exponential({ random: options.random }) : retryDefaults.backoff);
    if (typeof backoff?.start !== 'function') {
      throw new TypeError('retry: backoff must be a Backoff (an object with start()), e.g. backoff.exponential()');
    }
    checkFunction('retryOn', options.retryOn);
    checkFunction('retryOnResult', options.retryOnResult);
    const budget = options.budget ?? retryDefaults.budget;
    if (budget !== undefined && (typeof budget.recordRequest !== 'function' || typeof budget.tryRetry !== 'function')) {
      throw new TypeError('retry: budget must be a RetryBudget (recordRequest() and tryRetry())');
    }
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.retryOn = options.retryOn ?? retryDefaults.retryOn;
    this.retryOnResult = options.retryOnResult ?? retryDefaults.retryOnResult;
    this.maxElapsedMs = maxElapsedMs;
    this.budget = budget;
    this.clock = options.clock ?? retryDefaults.clock;
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) return Promise.reject(abortedFrom(ctx.signal));
    this.budget?.recordRequest();
    const startedAt = this.maxElapsedMs === undefined ? 0 : this.clock.now();
    const first = invoke(fn, ctx.attempt === 1 ? ctx : ctx.withAttempt(1));
    const retryOnResult = this.retryOnResult;
    return first.then(
      retryOnResult
        ? (value: T) => (retryOnResult(value) ? this.retryLoop(fn, ctx, { ok: true, value }, startedAt) : value)
        : undefined,
      (error: unknown) => this.retryLoop(fn, ctx, { ok: false, error }, startedAt),
    );
  }

  /** Runs from the first failure on; the backoff sequence exists only from here. */
  private async retryLoop<T>(fn: Operation<T>, ctx: Context, firstOutcome: Outcome<T>, startedAt: number): Promise<T> {
    const sequence = this.backoff.start();
    let outcome = firstOutcome;
    for (let attempt = 1; ; attempt++) {
      const reason = this.stopReason(outcome, attempt, ctx);
      if (reason) return this.giveUp(outcome, attempt, reason);

      const error = outcome.ok ? undefined : outcome.error;
      let delayMs = sequence.next(error);
      const hint = retryAfterOf(error);
      if (hint !== undefined && hint > delayMs) delayMs = hint;
      if (this.maxElapsedMs !== undefined && this.clock.now() + delayMs - startedAt > this.maxElapsedMs) {
        return this.giveUp(outcome, attempt, 'elapsed');
      }
      // Asked last: a granted retry is spent from the shared budget.
      if (this.budget && !this.budget.tryRetry()) return this.giveUp(outcome, attempt, 'budget');

      if (this.events.has('retry')) this.events.emit('retry', { attempt, delayMs, ...eventOutcome(outcome) });
      if (delayMs > 0) {
        try {
          await this.clock.sleep(delayMs, ctx.source.mayAbort ? ctx.signal : undefined);
        } catch (sleepError) {
          // The caller aborted the wait: stop at once, with the abort rather than the old error.
          const aborted = ctx.aborted ? abortedFrom(ctx.signal) : sleepError;
          if (this.events.has('giveUp')) this.events.emit('giveUp', { attempts: attempt, reason: 'aborted', error: aborted });
          throw aborted;
        }
      }
      outcome = await settle(invoke(fn, ctx.withAttempt(attempt + 1)));
      if (outcome.ok && !this.retryOnResult?.(outcome.value)) return outcome.value;
    }
  }

  private stopReason<T>(outcome: Outcome<T>, attempt: number, ctx: Context): GiveUpReason | undefined {
    if (ctx.aborted) return 'aborted';
    if (!outcome.ok && !this.retryOn(outcome.error)) return 'not-retryable';
    if (attempt >= this.maxAttempts) return 'exhausted';
    return undefined;
  }

  private giveUp<T>(outcome: Outcome<T>, attempts: number, reason: GiveUpReason): T {
    if (this.events.has('giveUp')) this.events.emit('giveUp', { attempts, reason, ...eventOutcome(outcome) });
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }
}

function eventOutcome<T>(outcome: Outcome<T>): RetryOutcome {
  return outcome.ok ? { result: outcome.value } : { error: outcome.error };
}

function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** A retry policy: `maxAttempts = 3` tries in all, exponential backoff with decorrelated jitter. */
export function retry(options: RetryOptions = {}): RetryPolicy {
  return new RetryPolicy(options);
}
