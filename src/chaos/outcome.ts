/**
 * chaos.outcome: a share of calls return a fake result instead of running (an empty order book,
 * a stale price, an HTTP 503 returned as a value), given as `value` or made per call by `fn`.
 */
import type { Context } from '../core/context.js';
import { checkFunction, checkObject } from '../core/option-checks.js';
import { type Operation, invoke } from '../core/policy.js';
import { type ChaosArgs, type ChaosOptions, ChaosPolicy } from './chaos-policy.js';

export interface ChaosOutcomeOptions<R> extends ChaosOptions {
  /** The fake result. Give exactly one of `value` and `fn` (`value: undefined` counts as given). */
  value?: R;
  /** Makes the fake result for a call; if it throws or rejects, the call fails with that. */
  fn?: (args: ChaosArgs) => R | PromiseLike<R>;
}

/** What an outcome injection reports. */
export interface OutcomeInjected {
  kind: 'outcome';
  /** The fake result the caller got (once `fn`'s promise, if any, resolved). */
  result: unknown;
}

export class ChaosOutcomePolicy<R = unknown> extends ChaosPolicy<OutcomeInjected> {
  private readonly resultOf: (args: ChaosArgs) => R | PromiseLike<R>;

  constructor(options: ChaosOutcomeOptions<R>) {
    checkObject('chaos.outcome', 'options', options, 'with `value` or `fn`');
    super('chaos.outcome', options);
    const hasValue = 'value' in options;
    const hasFn = options.fn !== undefined;
    if (hasValue === hasFn) {
      throw new TypeError(hasValue ? 'chaos.outcome: give either `value` or `fn`, not both' : 'chaos.outcome: give `value` (the fake result) or `fn` ({ context } => fake result)');
    }
    if (hasFn) {
      checkFunction('chaos.outcome', 'fn', options.fn);
      this.resultOf = options.fn as (args: ChaosArgs) => R | PromiseLike<R>;
    } else {
      const value = options.value as R;
      this.resultOf = () => value;
    }
  }

  protected inject<T>(_fn: Operation<T>, ctx: Context, args: ChaosArgs): Promise<T> {
    // The fake stands in for the wrapped call's result: its type is the caller's promise.
    return invoke(() => this.resultOf(args), ctx).then((result) => {
      this.injected({ kind: 'outcome', result }, ctx);
      return result as unknown as T;
    });
  }
}

/** Returns a fake result (`value`, or `fn({ context })`) for a share of calls, which then do not run. */
export function outcome<R>(options: ChaosOutcomeOptions<R>): ChaosOutcomePolicy<R> {
  return new ChaosOutcomePolicy<R>(options);
}
