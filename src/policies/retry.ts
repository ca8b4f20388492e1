/**
 * Retry: runs the operation again after a failure, waiting a backoff delay between tries.
 *
 * The first try is the fast path: no backoff sequence, no timestamp and no signal are touched
 * until it fails. The wait between tries ends at once when the caller's signal aborts.
 * When retries run out (tries, `maxElapsedMs` or the retry budget) a RetryExhaustedError is
 * thrown, carrying the last error as `cause` and the tries made as `attempts`; with
 * `rethrowLastError: true` the last error itself is rethrown (the same object). An error
 * `retryOn` refuses is rethrown as it was; a last result `retryOnResult` rejected is returned.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { Context } from '../core/context.js';
import { RetryExhaustedError, abortedFrom, retryAfterOf } from '../core/errors.js';
import { checkBoolean, checkFunction, checkInteger, checkNumber, checkShape } from '../core/option-checks.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';
import type { RetryBudget } from '../core/retry-budget.js';
import type { SettingsChange } from '../core/settings-change.js';
import { isRetryable } from '../core/taxonomy.js';
import { type Backoff, backoff as backoffs } from './backoff.js';

export interface RetryOptions {
  /** Tries in all, the first included (an integer >= 1, or Infinity with `maxElapsedMs`). */
  maxAttempts?: number;
  /** Delays between tries. */
  backoff?: Backoff;
  /** Whether an error is worth another try (default: the error taxonomy's `isRetryable`). */
  retryOn?: (error: unknown) => boolean;
  /** Whether a successful result is worth another try (e.g. an HTTP 503 returned as a value). */
  retryOnResult?: (result: unknown) => boolean;
  /** Total time budget from the first try: a wait that would end past it is not started. */
  maxElapsedMs?: number;
  /** Caps retries as a share of requests across all calls (see `RetryBudget`). */
  retryBudget?: RetryBudget;
  /** When retries run out, rethrow the last error as it was instead of a RetryExhaustedError around it. */
  rethrowLastError?: boolean;
  /** Source of time for the waits. */
  clock?: Clock;
  /** Randomness in [0, 1) for the default backoff's jitter (seed it in tests); give your own `backoff` its own. */
  random?: () => number;
}

export const RETRY_DEFAULTS = {
  /** Three tries ride out a blip without piling onto a dependency that is really down. */
  maxAttempts: 3,
  /** Exponential from 100 ms with decorrelated jitter, so synchronized clients spread out. */
  backoff: backoffs.exponential(),
  /**
   * The error taxonomy decides (core/taxonomy.ts, one table): a refusal of ours (open or isolated
   * circuit, full bulkhead), an abort and a known permanent error (auth, validation, ccxt's
   * ExchangeError family) are not retried; a rate limit is, after its `retryAfterMs`; an
   * unknown (user) error is.
   */
  retryOn: isRetryable,
  /** Results are final unless told otherwise. */
  retryOnResult: undefined as ((result: unknown) => boolean) | undefined,
  /** No time budget: `maxAttempts` alone bounds the loop. */
  maxElapsedMs: undefined as number | undefined,
  /** No shared budget: every call may use all its tries. */
  retryBudget: undefined as RetryBudget | undefined,
  /** A typed error that says retry gave up, with the last error as `cause` (failsafe-go's ExceededError). */
  rethrowLastError: false,
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
  /** The call succeeded (after any number of tries); `durationMs` counts from the first try. */
  success: { durationMs: number; attempts: number };
  /** The call failed for good: `error` is what the caller gets. */
  failure: { durationMs: number; attempts: number; error: unknown };
  /** Its settings changed while it ran (`reconfigure()`): { from, to, at }. */
  settingsChange: SettingsChange<RetrySettings>;
}

/** The retry settings that may change while it runs: how many tries and how long in all. */
export interface RetrySettings {
  maxAttempts: number;
  /** Undefined: no time budget. */
  maxElapsedMs?: number | undefined;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class RetryPolicy extends BasePolicy<RetryEvents> {
  private attempts: number;
  private readonly backoff: Backoff;
  private readonly retryOn: (error: unknown) => boolean;
  private readonly retryOnResult: ((result: unknown) => boolean) | undefined;
  private maxElapsedMs: number | undefined;
  private readonly retryBudget: RetryBudget | undefined;
  private readonly rethrowLastError: boolean;
  private readonly clock: Clock;

  constructor(options: RetryOptions = {}) {
    super();
    const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
    checkInteger('retry', 'maxAttempts', maxAttempts, 1, true);
    const maxElapsedMs = options.maxElapsedMs ?? RETRY_DEFAULTS.maxElapsedMs;
    if (maxElapsedMs !== undefined) checkNumber('retry', 'maxElapsedMs', maxElapsedMs, 0);
    if (options.random !== undefined) {
      checkFunction('retry', 'random', options.random);
      if (options.backoff !== undefined) throw new TypeError('retry: random applies to the default backoff only; pass it to your own backoff instead');
    }
    const backoff = options.backoff ?? (options.random ? backoffs.exponential({ random: options.random }) : RETRY_DEFAULTS.backoff);
    checkShape('retry', 'backoff', backoff, 'a Backoff, e.g. backoff.exponential()', ['start']);
    checkFunction('retry', 'retryOn', options.retryOn, true);
    checkFunction('retry', 'retryOnResult', options.retryOnResult, true);
    const retryBudget = options.retryBudget ?? RETRY_DEFAULTS.retryBudget;
    if (retryBudget !== undefined) checkShape('retry', 'retryBudget', retryBudget, 'a RetryBudget', ['recordRequest', 'tryRetry']);
    const rethrowLastError = options.rethrowLastError ?? RETRY_DEFAULTS.rethrowLastError;
    checkBoolean('retry', 'rethrowLastError', rethrowLastError);
    this.attempts = maxAttempts;
    this.backoff = backoff;
    this.retryOn = options.retryOn ?? RETRY_DEFAULTS.retryOn;
    this.retryOnResult = options.retryOnResult ?? RETRY_DEFAULTS.retryOnResult;
    this.maxElapsedMs = maxElapsedMs;
    this.retryBudget = retryBudget;
    this.rethrowLastError = rethrowLastError;
    this.clock = options.clock ?? RETRY_DEFAULTS.clock;
  }

  /** Tries in all, the first included. */
  get maxAttempts(): number {
    return this.attempts;
  }

  /** The settings in force. */
  currentSettings(): RetrySettings {
    return { maxAttempts: this.attempts, ...(this.maxElapsedMs !== undefined ? { maxElapsedMs: this.maxElapsedMs } : {}) };
  }

  /**
   * Changes how many tries and how long in all while the policy runs (a tuning applied live),
   * checked as the constructor checks them; a key left out keeps its value, `maxElapsedMs:
   * undefined` removes the time budget. Calls already retrying read the new limits at their next
   * failure. Emits `settingsChange`; returns the settings now in force.
   */
  reconfigure(changes: Partial<RetrySettings>): RetrySettings {
    const maxAttempts = 'maxAttempts' in changes ? changes.maxAttempts : this.attempts;
    checkInteger('retry', 'maxAttempts', maxAttempts as number, 1, true);
    const maxElapsedMs = 'maxElapsedMs' in changes ? changes.maxElapsedMs : this.maxElapsedMs;
    if (maxElapsedMs !== undefined) checkNumber('retry', 'maxElapsedMs', maxElapsedMs, 0);
    const from = this.currentSettings();
    this.attempts = maxAttempts as number;
    this.maxElapsedMs = maxElapsedMs;
    const to = this.currentSettings();
    this.events.emit('settingsChange', { from, to, at: this.clock.now() });
    return to;
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) return Promise.reject(abortedFrom(ctx.signal));
    this.retryBudget?.recordRequest();
    if (!this.events.has('success') && !this.events.has('failure')) {
      return this.tries(fn, ctx, this.maxElapsedMs === undefined ? 0 : this.clock.now(), undefined);
    }
    const tally = { attempts: 1 };
    const startedAt = this.clock.now();
    return this.tries(fn, ctx, startedAt, tally).then(
      (value) => {
        this.events.emit('success', { durationMs: this.clock.now() - startedAt, attempts: tally.attempts });
        return value;
      },
      (error: unknown) => {
        this.events.emit('failure', { durationMs: this.clock.now() - startedAt, attempts: tally.attempts, error });
        throw error;
      },
    );
  }

  /** The first try, then the retry loop if it failed; `tally` (when someone listens) counts the tries. */
  private tries<T>(fn: Operation<T>, ctx: Context, startedAt: number, tally: { attempts: number } | undefined): Promise<T> {
    const first = invoke(fn, ctx.attempt === 1 ? ctx : ctx.withAttempt(1));
    const retryOnResult = this.retryOnResult;
    return first.then(
      retryOnResult
        ? (value: T) => (retryOnResult(value) ? this.retryLoop(fn, ctx, { ok: true, value }, startedAt, tally) : value)
        : undefined,
      (error: unknown) => this.retryLoop(fn, ctx, { ok: false, error }, startedAt, tally),
    );
  }

  /** Runs from the first failure on; the backoff sequence exists only from here. */
  private async retryLoop<T>(fn: Operation<T>, ctx: Context, firstOutcome: Outcome<T>, startedAt: number, tally: { attempts: number } | undefined): Promise<T> {
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
      if (this.retryBudget && !this.retryBudget.tryRetry()) return this.giveUp(outcome, attempt, 'budget');

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
      if (tally) tally.attempts = attempt + 1;
      outcome = await settle(invoke(fn, ctx.withAttempt(attempt + 1)));
      if (outcome.ok && !this.retryOnResult?.(outcome.value)) return outcome.value;
    }
  }

  private stopReason<T>(outcome: Outcome<T>, attempt: number, ctx: Context): GiveUpReason | undefined {
    if (ctx.aborted) return 'aborted';
    if (!outcome.ok && !this.retryOn(outcome.error)) return 'not-retryable';
    if (attempt >= this.attempts) return 'exhausted';
    return undefined;
  }

  private giveUp<T>(outcome: Outcome<T>, attempts: number, reason: GiveUpReason): T {
    if (this.events.has('giveUp')) this.events.emit('giveUp', { attempts, reason, ...eventOutcome(outcome) });
    if (outcome.ok) return outcome.value;
    if (this.rethrowLastError || reason === 'not-retryable' || reason === 'aborted') throw outcome.error;
    throw new RetryExhaustedError(attempts, reason, outcome.error);
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
