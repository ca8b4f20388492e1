import { Context, type ExecContext } from './context.js';
import { abortedFrom } from './errors.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from './events.js';

/** The user's function: gets `{ signal, attempt }`, returns a value or a promise of one. */
export type Operation<T> = (ctx: ExecContext) => T | PromiseLike<T>;

export interface ExecuteOptions {
  /** Aborting it aborts the call: waits end at once and `ctx.signal` aborts. */
  signal?: AbortSignal;
}

export interface Policy {
  execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T>;
}

/**
 * A policy that can step aside: while `passThrough` is true it would only call straight through
 * (a disabled chaos policy), so `pipeline()` skips its layer and it costs nothing. Re-read on
 * every call: a policy may step back in at any time.
 */
export interface SteppingAside {
  readonly passThrough: boolean;
}

/**
 * The one executor every toolkit policy runs through. `execute` makes a root context from the
 * caller's options; `run` is what composition uses, so `pipeline()` passes one context down
 * without reading (and so allocating) any signal.
 */
export abstract class BasePolicy<E = Record<string, never>> implements Policy, EventSource<E> {
  protected readonly events = new Emitter<E>();

  execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortedFrom(signal));
    return this.run(fn, Context.root(signal));
  }

  on<K extends keyof E & string>(name: K, listener: Listener<E[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Runs `fn` under this policy with an existing context. */
  abstract run<T>(fn: Operation<T>, ctx: Context): Promise<T>;
}

/** Runs any policy with a context: toolkit policies directly, foreign ones through `execute`. */
export function runPolicy<T>(policy: Policy, fn: Operation<T>, ctx: Context): Promise<T> {
  if (policy instanceof BasePolicy) return policy.run(fn, ctx);
  // A foreign policy only sees a signal; keep our attempt number for the user's function.
  return policy.execute((inner) => fn(inner.attempt === ctx.attempt ? inner : { signal: inner.signal, attempt: ctx.attempt }), {
    signal: ctx.source.mayAbort ? ctx.signal : undefined,
  });
}

/** Calls `fn` and always returns a promise, turning a synchronous throw into a rejection. */
export function invoke<T>(fn: Operation<T>, ctx: ExecContext): Promise<T> {
  try {
    return Promise.resolve(fn(ctx));
  } catch (error) {
    return Promise.reject(error);
  }
}
