/**
 * Pipeline: composes policies into one. The first argument is the outermost: in
 * `pipeline(retry(), timeout({ ms: 100 }))` every try gets its own 100 ms, while in
 * `pipeline(timeout({ ms: 100 }), retry())` the 100 ms bound all tries together.
 *
 * One context is passed down the layers (toolkit policies run through `run`, so no signal is
 * read and no AbortController allocated on the way). Foreign policies that only implement
 * `execute` work too; nested pipelines are flattened. A layer that steps aside (`passThrough`
 * true: a disabled chaos policy) is skipped, as if it were not in the pipeline.
 */
import { Context, type ExecContext } from '../core/context.js';
import { BasePolicy, type Operation, type Policy, type SteppingAside, invoke, runPolicy } from '../core/policy.js';

export class PipelinePolicy extends BasePolicy {
  /** The layers, outermost first, nested pipelines flattened. */
  readonly policies: readonly Policy[];
  /** Where the layers that can step aside (chaos policies) stand: each call looks at these only. */
  private readonly asideAt: readonly number[];
  /** Which of them stepped aside when `live` was built (bit i: asideAt[i]); -1: not built yet. */
  private liveMask = -1;
  private live: readonly Policy[] = [];

  constructor(policies: readonly Policy[]) {
    super();
    const flat: Policy[] = [];
    policies.forEach((policy, index) => {
      if (typeof (policy as Partial<Policy> | null)?.execute !== 'function') {
        throw new TypeError(`pipeline: argument ${index + 1} is not a policy (it has no execute method)`);
      }
      if (policy instanceof PipelinePolicy) flat.push(...policy.policies);
      else flat.push(policy);
    });
    this.policies = flat;
    this.asideAt = flat.flatMap((policy, index) => (canStepAside(policy) ? [index] : []));
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    return runFrom(this.asideAt.length === 0 ? this.policies : this.liveLayers(), 0, fn, ctx);
  }

  /**
   * The layers not stepping aside now. Reading the flags costs one load per layer that can step
   * aside; the list is rebuilt only when one of them changed, so a disabled chaos layer costs
   * what the pipeline without it costs. A call keeps the list it started with (its later tries too).
   */
  private liveLayers(): readonly Policy[] {
    const aside = this.asideAt;
    if (aside.length > 30) return this.policies.filter((p) => (p as Partial<SteppingAside>).passThrough !== true);
    let mask = 0;
    for (let i = 0; i < aside.length; i++) if ((this.policies[aside[i] as number] as Partial<SteppingAside>).passThrough === true) mask |= 1 << i;
    if (mask !== this.liveMask) {
      this.live = this.policies.filter((p) => (p as Partial<SteppingAside>).passThrough !== true);
      this.liveMask = mask;
    }
    return this.live;
  }
}

/** Foreign policies hand the function their own `{ signal, attempt }`; the next layer needs a Context. */
function asContext(ctx: ExecContext): Context {
  if (ctx instanceof Context) return ctx;
  const root = Context.root(ctx.signal);
  return ctx.attempt === 1 ? root : root.withAttempt(ctx.attempt);
}

function runFrom<T>(policies: readonly Policy[], index: number, fn: Operation<T>, ctx: Context): Promise<T> {
  const policy = policies[index];
  if (policy === undefined) return invoke(fn, ctx);
  if (index === policies.length - 1) return runPolicy(policy, fn, ctx);
  return runPolicy(policy, (inner) => runFrom(policies, index + 1, fn, asContext(inner)), ctx);
}

/** Whether a policy can step aside (has a `passThrough` flag): only such layers are looked at per call. */
function canStepAside(policy: Policy): boolean {
  return typeof (policy as Partial<SteppingAside>).passThrough === 'boolean';
}

/** Composes policies, the first argument outermost. `pipeline()` runs the function directly. */
export function pipeline(...policies: Policy[]): PipelinePolicy {
  return new PipelinePolicy(policies);
}
