/**
 * Fallback: turns a handled failure into a substitute result (a fixed value, or the result of
 * a function of the error). Errors it does not handle pass through unchanged.
 */
import type { Context, ExecContext } from '../core/context.js';
import { AbortedError } from '../core/errors.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';

export interface FallbackOptions<R> {
  /** The substitute result. Give exactly one of `value` and `fn` (`value: undefined` counts as given). */
  value?: R;
  /** Computes the substitute from the error; its own failure is what the caller gets. */
  fn?: (error: unknown, ctx: ExecContext) => R | PromiseLike<R>;
  /** Whether an error gets the substitute. */
  handle?: (error: unknown) => boolean;
}

/** Every error but an abort: a caller who aborted wants no substitute. */
export function handleAllButAbort(error: unknown): boolean {
  return !(error instanceof AbortedError);
}

export const FALLBACK_DEFAULTS = {
  /** Substitute for every failure except an abort, and never once the caller has aborted. */
  handle: undefined as ((error: unknown) => boolean) | undefined,
};

export interface FallbackEvents {
  /** The substitute was used in place of `error`. */
  fallback: { error: unknown };
}

export class FallbackPolicy<R = unknown> extends BasePolicy<FallbackEvents> {
  private readonly substitute: (error: unknown, ctx: ExecContext) => R | PromiseLike<R>;
  private readonly handle: ((error: unknown) => boolean) | undefined;

  constructor(options: FallbackOptions<R>) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('fallback: options must be an object with `value` or `fn`');
    }
    const hasValue = 'value' in options;
    const hasFn = options.fn !== undefined;
    if (hasValue === hasFn) {
      throw new TypeError(
        hasValue ? 'fallback: give either `value` or `fn`, not both' : 'fallback: give `value` (the substitute) or `fn` (error => substitute)',
      );
    }
    if (hasFn && typeof options.fn !== 'function') throw new TypeError(`fallback: fn must be a function, got ${typeof options.fn}`);
    if (options.handle !== undefined && typeof options.handle !== 'function') {
      throw new TypeError(`fallback: handle must be a function (error) => boolean, got ${typeof options.handle}`);
    }
    if (hasFn) this.substitute = options.fn as (error: unknown, ctx: ExecContext) => R | PromiseLike<R>;
    else {
      const value = options.value as R;
      this.substitute = () => value;
    }
    this.handle = options.handle ?? FALLBACK_DEFAULTS.handle;
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
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
