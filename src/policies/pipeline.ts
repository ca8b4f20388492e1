/**
 * Pipeline: composes policies into one. The first argument is the outermost: in
 * `pipeline(retry(), timeout({ ms: 100 }))` every try gets its own 100 ms, while in
 * `pipeline(timeout({ ms: 100 }), retry())` the 100 ms bound all tries together.
 *
 * One context is passed down the layers (toolkit policies run through `run`, so no signal is
 * read and no AbortController allocated on the way). Foreign policies that only implement
 * `execute` work too; nested pipelines are flattened.
 */
import { Context, type ExecContext } from '../core/context.js';
import { BasePolicy, type Operation, type Policy, invoke, runPolicy } from '../core/policy.js';

export class PipelinePolicy extends BasePolicy {
  /** The layers, outermost first, nested pipelines flattened. */
  readonly policies: readonly Policy[];

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
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    return runFrom(this.policies, 0, fn, ctx);
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

/** Composes policies, the first argument outermost. `pipeline()` runs the function directly. */
export function pipeline(...policies: Policy[]): PipelinePolicy {
  return new PipelinePolicy(policies);
}
