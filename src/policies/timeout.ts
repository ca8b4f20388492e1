/**
 * Timeout: bounds how long a call may take.
 *
 * `aggressive` (default): at the deadline the returned promise rejects with TimeoutError and
 * `ctx.signal` aborts; the operation keeps running in the background until it notices.
 * `cooperative`: at the deadline `ctx.signal` aborts and the policy waits for the operation to
 * settle: a value is returned as it is; a rejection becomes a TimeoutError whose `cause` is the
 * operation's error.
 *
 * Deadlines go through the clock's shared scheduler (one timer per clock, not one per call),
 * and the success path allocates no AbortController unless the operation reads `ctx.signal`.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { AbortScope, Context } from '../core/context.js';
import { TimeoutError, abortedFrom } from '../core/errors.js';
import { checkNumber, checkOneOf } from '../core/option-checks.js';
import { type OutcomeEvents, reportOutcome } from '../core/outcome-events.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';
import { type DeadlineScheduler, deadlinesOf } from '../core/timers.js';

export type TimeoutMode = 'aggressive' | 'cooperative';

export interface TimeoutOptions {
  /** The deadline in milliseconds, counted from the start of the call (a finite number > 0). */
  ms: number;
  /** What happens at the deadline. */
  mode?: TimeoutMode;
  /** Source of time for the deadline. */
  clock?: Clock;
}

export const TIMEOUT_DEFAULTS = {
  /** Give the caller control back at the deadline, whether or not the operation listens to its signal. */
  mode: 'aggressive' as TimeoutMode,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

export interface TimeoutEvents extends OutcomeEvents {
  /** A call reached its deadline (a `failure` with the TimeoutError follows when the call settles). */
  timeout: { timeoutMs: number };
}

export class TimeoutPolicy extends BasePolicy<TimeoutEvents> {
  readonly ms: number;
  readonly mode: TimeoutMode;
  private readonly deadlines: DeadlineScheduler;
  private readonly clock: Clock;

  constructor(options: TimeoutOptions) {
    super();
    const ms = options?.ms;
    checkNumber('timeout', 'ms', ms, 0, Infinity, true);
    const mode = options.mode ?? TIMEOUT_DEFAULTS.mode;
    checkOneOf('timeout', 'mode', mode, ['aggressive', 'cooperative'] as const);
    this.ms = ms;
    this.mode = mode;
    this.clock = options.clock ?? TIMEOUT_DEFAULTS.clock;
    this.deadlines = deadlinesOf(this.clock);
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) return Promise.reject(abortedFrom(ctx.signal));
    if (this.events.has('success') || this.events.has('failure')) return reportOutcome(this.events, this.clock, () => this.race(fn, ctx));
    return this.race(fn, ctx);
  }

  private race<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    // What ctx.child() does, without the wrapper object: this is the hot path.
    const scope = new AbortScope(ctx.source);
    const context = new Context(ctx.attempt, scope);
    return new Promise<T>((resolve, reject) => {
      const call = new TimeoutCall<T>(this, scope, ctx, resolve, reject);
      // Inline arrows rather than per-instance arrow fields: the same allocations, and tools
      // that name functions (esbuild keepNames) leave anonymous arguments alone.
      call.deadline = this.deadlines.add(this.ms, () => call.onDeadline());
      if (ctx.source.mayAbort) call.listen();
      invoke(fn, context).then(
        (value) => call.onValue(value),
        (error: unknown) => call.onError(error),
      );
    });
  }

  /** @internal */
  timedOut(): TimeoutError {
    const error = new TimeoutError(this.ms);
    if (this.events.has('timeout')) this.events.emit('timeout', { timeoutMs: this.ms });
    return error;
  }
}

/** The state of one call; one object instead of a handful of closures over shared variables. */
class TimeoutCall<T> {
  deadline: { cancel(): void } | undefined;
  /** Set at the deadline (cooperative mode keeps waiting after it). */
  private timeoutError: TimeoutError | undefined;
  /** The returned promise has settled. */
  private settled = false;
  private onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly policy: TimeoutPolicy,
    private readonly scope: AbortScope,
    private readonly ctx: Context,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  listen(): void {
    const signal = this.ctx.signal;
    this.onCallerAbort = () => {
      if (this.settled) return;
      this.settled = true;
      this.deadline?.cancel();
      // The scope follows its parent by itself; rejecting is all that is left to do.
      this.reject(abortedFrom(signal));
    };
    signal.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  private unlisten(): void {
    if (this.onCallerAbort) this.ctx.signal.removeEventListener('abort', this.onCallerAbort);
  }

  onDeadline(): void {
    if (this.settled) return;
    const error = this.policy.timedOut();
    this.timeoutError = error;
    this.scope.abort(error);
    if (this.policy.mode === 'aggressive') {
      this.settled = true;
      this.unlisten();
      this.reject(error);
    }
  }

  onValue(value: T): void {
    this.finish();
    if (this.settled) return;
    this.settled = true;
    this.resolve(value);
  }

  onError(error: unknown): void {
    this.finish();
    if (this.settled) return;
    this.settled = true;
    const timeoutError = this.timeoutError;
    if (timeoutError && error !== timeoutError) timeoutError.cause = error;
    this.reject(timeoutError ?? error);
  }

  /** The operation settled: its deadline, listener and scope are no longer needed. */
  private finish(): void {
    if (this.settled) return;
    this.deadline?.cancel();
    this.unlisten();
    this.scope.dispose();
  }
}

/** A timeout policy: `ms` is required; `mode` defaults to 'aggressive'. */
export function timeout(options: TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(options);
}
