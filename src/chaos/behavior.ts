/**
 * chaos.behavior: a share of calls run a side effect first (drop a cache, close a connection,
 * flip a simulator fault), then run as usual. If the side effect throws or rejects, the call
 * fails with that and does not run.
 */
import type { Context } from '../core/context.js';
import { checkFunction, checkObject } from '../core/option-checks.js';
import { type Operation, invoke } from '../core/policy.js';
import { type ChaosArgs, type ChaosOptions, ChaosPolicy } from './chaos-policy.js';

export interface ChaosBehaviorOptions extends ChaosOptions {
  /** The side effect, awaited before the call runs. */
  fn: (args: ChaosArgs) => void | PromiseLike<void>;
}

/** What a behavior injection reports. */
export interface BehaviorInjected {
  kind: 'behavior';
}

export class ChaosBehaviorPolicy extends ChaosPolicy<BehaviorInjected> {
  private readonly behavior: (args: ChaosArgs) => void | PromiseLike<void>;

  constructor(options: ChaosBehaviorOptions) {
    checkObject('chaos.behavior', 'options', options, 'with `fn`');
    super('chaos.behavior', options);
    checkFunction('chaos.behavior', 'fn', options.fn);
    this.behavior = options.fn;
  }

  protected inject<T>(fn: Operation<T>, ctx: Context, args: ChaosArgs): Promise<T> {
    this.injected({ kind: 'behavior' }, ctx);
    return invoke(() => this.behavior(args), ctx).then(() => invoke(fn, ctx));
  }
}

/** Runs `fn({ context })` before a share of calls. */
export function behavior(options: ChaosBehaviorOptions): ChaosBehaviorPolicy {
  return new ChaosBehaviorPolicy(options);
}
