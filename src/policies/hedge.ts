/**
 * Hedge: cuts tail latency by racing extra tries against a slow one.
 *
 * The first try starts at once. Each time `delayMs` passes without a success another try
 * starts, up to `maxHedges` extra tries; each runs under its own abort scope and attempt
 * number. The first success wins and every other running try is aborted. A try that fails
 * does not end the race while others run; it starts the next hedge at once (when one is left)
 * rather than waiting out the delay, since nothing is gained by waiting on a known failure.
 * When every try has failed, the last failure is rethrown.
 *
 * Only hedge idempotent operations: several tries may reach the dependency.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { AbortScope, Context } from '../core/context.js';
import { AbortedError, abortedFrom } from '../core/errors.js';
import { type OutcomeEvents, reportOutcome } from '../core/outcome-events.js';
import { checkInteger, checkNumber } from '../core/option-checks.js';
import { BasePolicy, type Operation, invoke } from '../core/policy.js';
import { type Deadline, type DeadlineScheduler, deadlinesOf } from '../core/timers.js';

export interface HedgeOptions {
  /** Time without a success before the next try starts (a finite number >= 0). */
  delayMs: number;
  /** Extra tries allowed beyond the first (an integer >= 0). */
  maxHedges?: number;
  /** Source of time for the hedge delay. */
  clock?: Clock;
}

export const HEDGE_DEFAULTS = {
  /** One extra try takes most of the tail-latency gain at the cost of at most double load. */
  maxHedges: 1,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

export interface HedgeEvents extends OutcomeEvents {
  /** An extra try started; `attempt` is its number (2 for the first hedge). */
  hedge: { attempt: number };
}

export class HedgePolicy extends BasePolicy<HedgeEvents> {
  readonly delayMs: number;
  readonly maxHedges: number;
  private readonly deadlines: DeadlineScheduler;
  private readonly clock: Clock;

  constructor(options: HedgeOptions) {
    super();
    const delayMs = options?.delayMs;
    checkNumber('hedge', 'delayMs', delayMs, 0);
    const maxHedges = options.maxHedges ?? HEDGE_DEFAULTS.maxHedges;
    checkInteger('hedge', 'maxHedges', maxHedges, 0);
    this.delayMs = delayMs;
    this.maxHedges = maxHedges;
    this.clock = options.clock ?? HEDGE_DEFAULTS.clock;
    this.deadlines = deadlinesOf(this.clock);
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) return Promise.reject(abortedFrom(ctx.signal));
    if (this.events.has('success') || this.events.has('failure')) return reportOutcome(this.events, this.clock, () => this.race(fn, ctx));
    return this.race(fn, ctx);
  }

  private race<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    return new Promise<T>((resolve, reject) => new HedgeRace(this, fn, ctx, resolve, reject).start());
  }

  /** @internal */
  started(attempt: number): void {
    if (attempt > 1 && this.events.has('hedge')) this.events.emit('hedge', { attempt });
  }

  /** @internal */
  delay(callback: () => void): Deadline {
    return this.deadlines.add(this.delayMs, callback);
  }
}

/** One call's race between tries. */
class HedgeRace<T> {
  private readonly scopes = new Set<AbortScope>();
  private tries = 0;
  private running = 0;
  private done = false;
  private timer: Deadline | undefined;
  private onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly policy: HedgePolicy,
    private readonly fn: Operation<T>,
    private readonly ctx: Context,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.ctx.source.mayAbort) {
      const signal = this.ctx.signal;
      // The tries' scopes follow the caller's signal by themselves: nothing to abort by hand.
      this.onCallerAbort = () => this.settle(() => this.reject(abortedFrom(signal)), false);
      signal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    this.launch();
  }

  private get hedgesLeft(): boolean {
    return this.tries <= this.policy.maxHedges;
  }

  private launch(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const attempt = ++this.tries;
    this.running++;
    const scope = new AbortScope(this.ctx.source);
    this.scopes.add(scope);
    if (this.hedgesLeft) this.timer = this.policy.delay(() => this.onDelay());
    this.policy.started(attempt);
    invoke(this.fn, new Context(attempt, scope)).then(
      (value) => {
        this.finishTry(scope);
        this.settle(() => this.resolve(value), true);
      },
      (error: unknown) => {
        this.finishTry(scope);
        if (this.done) return;
        if (this.hedgesLeft) this.launch();
        else if (this.running === 0) this.settle(() => this.reject(error), true);
      },
    );
  }

  private onDelay(): void {
    this.timer = undefined;
    if (!this.done && this.hedgesLeft) this.launch();
  }

  private finishTry(scope: AbortScope): void {
    this.running--;
    this.scopes.delete(scope);
    scope.dispose();
  }

  /** Ends the race once: stops the timer, aborts the tries still running (when asked), then settles. */
  private settle(outcome: () => void, abortLosers: boolean): void {
    if (this.done) return;
    this.done = true;
    this.timer?.cancel();
    if (this.onCallerAbort) this.ctx.signal.removeEventListener('abort', this.onCallerAbort);
    if (abortLosers && this.scopes.size > 0) {
      const lost = new AbortedError('Another hedged try settled the call first');
      for (const scope of this.scopes) scope.abort(lost);
      this.scopes.clear();
    }
    outcome();
  }
}

/** A hedge: after `delayMs` without a success start another try, up to `maxHedges` (default 1) extra. */
export function hedge(options: HedgeOptions): HedgePolicy {
  return new HedgePolicy(options);
}
