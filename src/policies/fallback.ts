/**
 * Fallback: turns a handled failure into a substitute result (a fixed value, or the result of
 * a function of the error). Errors it does not handle pass through unchanged.
 */
import type { Context, ExecContext } from '../core/context.js';
import { AbortedError } from '../core/errors.js';
import { type OutcomeEvents, reportOutcome } from '../core/outcome-events.js';
import { checkFunction, checkObject } from '../core/option-checks.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';
import { type Clock, systemClock } from '../core/clock.js';

export interface FallbackOptions<R> {
  /** The substitute result. Give exactly one of `value` and `fn` (`value: undefined` counts as given). */
  value?: R;
  /** Computes the substitute from the error; its own failure is what the caller gets. */
  fn?: (error: unknown, ctx: ExecContext) => R | PromiseLike<R>;
  /** Whether an error gets the substitute. */
  handle?: (error: unknown) => boolean;
  /** Source of time for the `success` / `failure` durations. */
  clock?: Clock;
}

/** Every error but an abort: a caller who aborted wants no substitute. */
export function handleAllButAbort(error: unknown): boolean {
  return !(error instanceof AbortedError);
}

export const FALLBACK_DEFAULTS = {
  /** Substitute for every failure except an abort, and never once the caller has aborted. */
  handle: undefined as ((error: unknown) => boolean) | undefined,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

export interface FallbackEvents extends OutcomeEvents {
  /** The substitute was used in place of `error`. A `success` follows when the substitute is returned. */
  fallback: { error: unknown };
}

export class FallbackPolicy<R = unknown> extends BasePolicy<FallbackEvents> {
  private readonly substitute: (error: unknown, ctx: ExecContext) => R | PromiseLike<R>;
  private readonly handle: ((error: unknown) => boolean) | undefined;
  private readonly clock: Clock;

  constructor(options: FallbackOptions<R>) {
    super();
    checkObject('fallback', 'options', options, 'with `value` or `fn`');
    const hasValue = 'value' in options;
    const hasFn = options.fn !== undefined;
    if (hasValue === hasFn) {
      throw new TypeError(
        hasValue ? 'fallback: give either `value` or `fn`, not both' : 'fallback: give `value` (the substitute) or `fn` (error => substitute)',
      );
    }
    if (hasFn) checkFunction('fallback', 'fn', options.fn);
    checkFunction('fallback', 'handle', options.handle, true);
    if (hasFn) this.substitute = options.fn as (error: unknown, ctx: ExecContext) => R | PromiseLike<R>;
    else {
      const value = options.value as R;
      this.substitute = () => value;
    }
    this.handle = options.handle ?? FALLBACK_DEFAULTS.handle;
    this.clock = options.clock ?? FALLBACK_DEFAULTS.clock;
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (this.events.has('success') || this.events.has('failure')) return reportOutcome(this.events, this.clock, () => this.substituted(fn, ctx));
    return this.substituted(fn, ctx);
  }

  private substituted<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    return invoke(fn, ctx).then(undefined, (error: unknown) => {
      const handled = this.handle ? this.handle(error) : handleAllButAbort(error) && !ctx.aborted;
      if (!handled) throw error;
      if (this.events.has('fallback')) this.events.emit('fallback', { error });
      // The substitute stands in for the wrapped calls' result: its type is the caller's promise.
      return this.substitute(error, ctx) as unknown as T | PromiseLike<T>;
    });
  }
}

/**
 * A fallback: on a handled error, return `value` or `fn(error, ctx)`. By default every error is
 * handled except an AbortedError, and nothing is substituted once the caller's signal aborted.
 */
export function fallback<R>(options: FallbackOptions<R>): FallbackPolicy<R> {
  return new FallbackPolicy<R>(options);
}
