/**
 * The execution context handed to every user function: `{ signal, attempt }`.
 *
 * The signal is lazy. A context that cannot abort by itself hands out the caller's signal (or a
 * shared never-aborting one); a scope that can abort (a timeout's deadline, a hedge's loser)
 * allocates its AbortController only when someone reads `signal`. Until then, aborting only
 * flips a flag, so the success path of a timeout allocates no controller at all.
 */

export interface ExecContext {
  /** Aborted when the caller aborts or a timeout/hedge gives up. */
  readonly signal: AbortSignal;
  /** 1 for the first try. */
  readonly attempt: number;
}

/** A signal that never aborts, shared by every context without a caller's signal. */
const neverAborts: AbortSignal = new AbortController().signal;

/** Where a context's signal comes from. */
export interface SignalSource {
  readonly signal: AbortSignal;
  readonly aborted: boolean;
  /** False only when nothing can ever abort this source: listening would be wasted. */
  readonly mayAbort: boolean;
}

class CallerSource implements SignalSource {
  readonly mayAbort: boolean;
  constructor(readonly signal: AbortSignal) {
    this.mayAbort = signal !== neverAborts;
  }
  get aborted(): boolean {
    return this.signal.aborted;
  }
}

const detached = new CallerSource(neverAborts);

/**
 * A source that aborts when its parent aborts or when its owner calls `abort(reason)`.
 * Its AbortController exists only once `signal` is read.
 */
export class AbortScope implements SignalSource {
  readonly mayAbort = true;
  private controller: AbortController | undefined;
  private ownReason: unknown;
  private ownAborted = false;
  private unlink: (() => void) | undefined;

  constructor(private readonly parent: SignalSource) {}

  get aborted(): boolean {
    return this.ownAborted || this.parent.aborted;
  }

  /** Why it aborted: the owner's reason, or the parent signal's. */
  get reason(): unknown {
    return this.ownAborted ? this.ownReason : this.parent.signal.reason;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.ownAborted) controller.abort(this.ownReason);
      else if (this.parent.mayAbort) {
        const parentSignal = this.parent.signal;
        if (parentSignal.aborted) controller.abort(parentSignal.reason);
        else {
          const onAbort = (): void => controller.abort(parentSignal.reason);
          parentSignal.addEventListener('abort', onAbort, { once: true });
          this.unlink = () => parentSignal.removeEventListener('abort', onAbort);
        }
      }
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.ownAborted) return;
    this.ownAborted = true;
    this.ownReason = reason;
    this.dispose();
    this.controller?.abort(reason);
  }

  /** Stops listening to the parent (call when the scope's work is over, so a long-lived caller signal does not collect listeners). */
  dispose(): void {
    this.unlink?.();
    this.unlink = undefined;
  }
}

export class Context implements ExecContext {
  constructor(
    readonly attempt: number,
    readonly source: SignalSource,
  ) {}

  /** A context for a call from outside: the caller's signal, if any, attempt 1. */
  static root(signal?: AbortSignal): Context {
    return signal ? new Context(1, new CallerSource(signal)) : detachedRoot;
  }

  get signal(): AbortSignal {
    return this.source.signal;
  }

  get aborted(): boolean {
    return this.source.aborted;
  }

  /** The same signal, another attempt number. */
  withAttempt(attempt: number): Context {
    return new Context(attempt, this.source);
  }

  /** A scope that can abort on its own, and the context that runs under it. */
  child(): { scope: AbortScope; context: Context } {
    const scope = new AbortScope(this.source);
    return { scope, context: new Context(this.attempt, scope) };
  }
}

/** Contexts are immutable, so every call without a caller signal shares one root: no allocation per call. */
const detachedRoot = new Context(1, detached);
