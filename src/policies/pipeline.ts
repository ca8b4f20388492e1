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
  /** Some layer can step aside (a chaos policy): each call then looks for the layers to skip. */
  private readonly stepsAside: boolean;

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
    this.stepsAside = flat.some(canStepAside);
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    return this.stepsAside ? runLiveFrom(this.policies, 0, fn, ctx) : runFrom(this.policies, 0, fn, ctx);
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

/** Whether a policy can step aside (has a `passThrough` flag): only then does a pipeline look. */
function canStepAside(policy: Policy): boolean {
  return typeof (policy as Partial<SteppingAside>).passThrough === 'boolean';
}

/** The first layer from `index` on that is not stepping aside (`policies.length` when none is). */
function liveFrom(policies: readonly Policy[], index: number): number {
  while (index < policies.length && (policies[index] as Partial<SteppingAside>).passThrough === true) index += 1;
  return index;
}

/** `runFrom` for a pipeline with layers that can step aside: those are skipped while they do. */
function runLiveFrom<T>(policies: readonly Policy[], index: number, fn: Operation<T>, ctx: Context): Promise<T> {
  const at = liveFrom(policies, index);
  const policy = policies[at];
  if (policy === undefined) return invoke(fn, ctx);
  // The last live layer calls the function itself: no closure for layers stepping aside below it.
  if (liveFrom(policies, at + 1) === policies.length) return runPolicy(policy, fn, ctx);
  return runPolicy(policy, (inner) => runLiveFrom(policies, at + 1, fn, asContext(inner)), ctx);
}

/** Composes policies, the first argument outermost. `pipeline()` runs the function directly. */
export function pipeline(...policies: Policy[]): PipelinePolicy {
  return new PipelinePolicy(policies);
}
