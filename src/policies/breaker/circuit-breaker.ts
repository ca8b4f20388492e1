/**
 * The circuit breaker policy: stops calling a dependency that keeps failing (or keeps being slow),
 * lets a few trial calls through after a while, and closes again once they succeed.
 */
import type { Clock } from '../../core/clock.js';
import { checkNumber } from '../../core/option-checks.js';
import { Context } from '../../core/context.js';
import { AbortedError, BrokenCircuitError, IsolatedCircuitError, TimeoutError } from '../../core/errors.js';
import type { Listener, Unsubscribe } from '../../core/events.js';
import { BasePolicy, type Operation, invoke } from '../../core/policy.js';
import type { CircuitBreakerEvents } from './events.js';
import { type CircuitBreakerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type CircuitBreakerSnapshot, SNAPSHOT_VERSION, parseSnapshot } from './snapshot.js';
import { CircuitState, CircuitStateMachine, type CircuitStateName, type IsolationHandle, stateNames } from './state-machine.js';
import type { TrialPermit } from './trial-permit.js';
import { ConsecutiveWindow } from './windows/consecutive.js';
import { CountWindow } from './windows/count.js';
import { TimeWindow } from './windows/time.js';
import { FAILED, type Outcome, type OutcomeWindow, SLOW } from './windows/window.js';

export interface CircuitBreakerMetrics {
  state: CircuitStateName;
  /** Clock time (ms) the current state began. */
  since: number;
  /** Calls the window holds (consecutive window: calls since the circuit last closed). */
  calls: number;
  failures: number;
  slowCalls: number;
  /** failures / calls; 0 with no calls. */
  failureRate: number;
  /** slowCalls / calls; 0 with no calls. */
  slowCallRate: number;
  /** Calls rejected (open, half-open with every trial slot taken, isolated) since made or reset. */
  notPermitted: number;
  /** Open: ms until a trial may go through; 0 otherwise. */
  retryAfterMs: number;
  /** Consecutive window only: the current run of failures. */
  consecutiveFailures?: number;
  /** Consecutive window only: the current run of slow calls. */
  consecutiveSlowCalls?: number;
}

function makeWindow(o: ResolvedOptions): OutcomeWindow {
  switch (o.window.kind) {
    case 'consecutive':
      return new ConsecutiveWindow(o.window.failures);
    case 'count':
      return new CountWindow(o.window.size, o);
    case 'time':
      return new TimeWindow(o.window.ms, o);
  }
}

/**
 * Whether `error` is the caller giving up rather than the dependency failing: the call's signal
 * aborted (not by a timeout) and the error is that abort. A TimeoutError always counts.
 */
function isCallerAbort(error: unknown, ctx: Context): boolean {
  if (!ctx.aborted || error instanceof TimeoutError) return false;
  const reason: unknown = ctx.signal.reason;
  if (reason instanceof TimeoutError) return false;
  return error === reason || error instanceof AbortedError || (error instanceof Error && error.name === 'AbortError');
}


export class CircuitBreaker extends BasePolicy<CircuitBreakerEvents> {
  /** The name given in the options (the registry sets it), for messages and metrics. */
  readonly name: string | undefined;
  private readonly settings: ResolvedOptions;
  private readonly clock: Clock;
  private readonly window: OutcomeWindow;
  private readonly machine: CircuitStateMachine;
  private notPermitted = 0;
  /** Asked before each half-open trial, when set. */
  private trialPermit: TrialPermit | undefined;
  /** Calls are timed when slow calls are measured or the window is time based. */
  private readonly alwaysTimed: boolean;
  /** ... or when someone listens to success or failure. */
  private timed: boolean;

  constructor(options?: CircuitBreakerOptions) {
    super();
    const o = resolveOptions(options);
    this.settings = o;
    this.name = o.name;
    this.clock = o.clock;
    this.window = makeWindow(o);
    this.machine = new CircuitStateMachine(o.openMs, this.window, o.clock, (change) => this.events.emit('stateChange', change));
    this.alwaysTimed = o.slowCallMs !== Infinity || o.window.kind === 'time';
    this.timed = this.alwaysTimed;
    if (o.initialState !== undefined) {
      const snapshot = parseSnapshot(o.initialState);
      this.machine.restore(snapshot);
      this.window.restore(snapshot.window);
      this.notPermitted = snapshot.notPermitted;
    }
  }

  /** The current state; an open breaker whose time is up reads (and becomes) half-open. */
  get state(): CircuitStateName {
    const m = this.machine;
    return stateNames[m.state === CircuitState.Open ? m.refresh(this.clock.now()) : m.state] as CircuitStateName;
  }

  override on<K extends keyof CircuitBreakerEvents & string>(name: K, listener: Listener<CircuitBreakerEvents[K]>): Unsubscribe {
    const unsubscribe = super.on(name, listener);
    this.updateTiming();
    return () => {
      unsubscribe();
      this.updateTiming();
    };
  }

  private updateTiming(): void {
    this.timed = this.alwaysTimed || this.events.has('success') || this.events.has('failure');
  }

  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    // The hot path: closed, nothing to time, no signal that could abort. Shared handlers, no closure.
    if (this.machine.state === CircuitState.Closed && !this.timed && !ctx.source.mayAbort) {
      return invoke(fn, ctx).then(this.onClosedSuccess, this.onClosedFailure);
    }
    return this.runGuarded(fn, ctx);
  }

  private readonly onClosedSuccess = <V>(value: V): V => {
    if (this.machine.state === CircuitState.Closed) this.recordClosed(0, NaN);
    return value;
  };

  private readonly onClosedFailure = (error: unknown): never => {
    if (this.machine.state === CircuitState.Closed && this.isFailure(error)) this.recordClosed(FAILED, NaN);
    throw error;
  };

  private recordClosed(outcome: Outcome, now: number): void {
    const reason = this.window.record(outcome, now);
    if (reason !== undefined) this.machine.trip(reason, Number.isNaN(now) ? this.clock.now() : now);
  }

  private isFailure(error: unknown): boolean {
    try {
      return this.settings.isFailure(error);
    } catch {
      // A faulty predicate must not hide the call's own error; count it, the safe side.
      return true;
    }
  }

  private runGuarded<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    const m = this.machine;
    let now = NaN;
    let state = m.state;
    if (state === CircuitState.Open) {
      now = this.clock.now();
      state = m.refresh(now);
    }
    let trial = false;
    let permit: TrialPermit | undefined;
    switch (state) {
      case CircuitState.Open:
        return this.reject(state, m.openUntil - now);
      case CircuitState.Isolated:
        return this.reject(state, 0);
      case CircuitState.HalfOpen:
        if (m.trialsAdmitted >= this.settings.halfOpenCalls) return this.reject(state, 0);
        permit = this.trialPermit;
        if (permit !== undefined && !permit.acquire()) return this.reject(state, 0);
        m.trialsAdmitted++;
        trial = true;
        break;
      case CircuitState.Closed:
        break;
    }
    const generation = m.generation;
    const start = this.timed ? (Number.isNaN(now) ? this.clock.now() : now) : NaN;
    return invoke(fn, ctx).then(
      (value) => {
        permit?.release();
        this.settle(0, undefined, start, trial, generation);
        return value;
      },
      (error: unknown) => {
        permit?.release();
        if (isCallerAbort(error, ctx) || !this.isFailure(error)) this.ignore(trial, generation);
        else this.settle(FAILED, error, start, trial, generation);
        throw error;
      },
    );
  }

  /** Records a finished call: in the window if admitted while closed, as a trial if half-open. */
  private settle(outcome: Outcome, error: unknown, start: number, trial: boolean, generation: number): void {
    let end = NaN;
    let durationMs = NaN;
    if (!Number.isNaN(start)) {
      end = this.clock.now();
      durationMs = end - start;
      if (durationMs >= this.settings.slowCallMs) outcome |= SLOW;
    }
    if (!Number.isNaN(durationMs)) {
      if (outcome & FAILED) this.events.emit('failure', { error, durationMs });
      else this.events.emit('success', { durationMs });
    }
    const m = this.machine;
    if (!trial) {
      if (m.state === CircuitState.Closed) this.recordClosed(outcome, end);
      return;
    }
    if (generation !== m.generation) return;
    const now = Number.isNaN(end) ? this.clock.now() : end;
    if (outcome & FAILED) m.reopen('trialFailed', now);
    else if (outcome & SLOW) m.reopen('trialSlow', now);
    else if (++m.trialsSucceeded >= this.settings.halfOpenCalls) m.close(now);
  }

  /** An ignored outcome counts for nothing; a trial's slot is freed for another trial. */
  private ignore(trial: boolean, generation: number): void {
    if (trial && generation === this.machine.generation) this.machine.trialsAdmitted--;
  }

  private reject<T>(state: CircuitState, retryAfterMs: number): Promise<T> {
    this.notPermitted++;
    const label = this.name === undefined ? 'Circuit' : `Circuit "${this.name}"`;
    const error =
      state === CircuitState.Isolated
        ? new IsolatedCircuitError(`${label} is isolated`)
        : new BrokenCircuitError(
            state === CircuitState.Open ? `${label} is open; retry after ${Math.ceil(retryAfterMs)} ms` : `${label} is half-open and its trial calls are running`,
            retryAfterMs,
          );
    if (this.events.has('rejected')) this.events.emit('rejected', { state: stateNames[state] as CircuitStateName, retryAfterMs });
    return Promise.reject(error);
  }

  /**
   * Rejects every call with IsolatedCircuitError until the handle is released. Isolations stack:
   * the breaker stays isolated until every handle is released, then closes afresh.
   */
  isolate(): IsolationHandle {
    return this.machine.isolate();
  }

  /**
   * Opens the breaker for `ms` from now, as if it had tripped (from closed or half-open; an open
   * breaker gets the new end). For a breaker that follows others, e.g. across a fleet. An isolated
   * breaker stays isolated: returns false.
   */
  forceOpen(ms: number): boolean {
    checkNumber('circuitBreaker', 'forceOpen(ms)', ms, 0);
    return this.machine.forceOpen(ms, this.clock.now());
  }

  /**
   * Closes an open or half-open breaker with an empty window, as if its trials had succeeded
   * elsewhere. A closed or isolated breaker is left as it is: returns false.
   */
  forceClose(): boolean {
    return this.machine.forceClose(this.clock.now());
  }

  /**
   * Sets (or with undefined removes) the permit every half-open trial must also get; see
   * TrialPermit. The breaker's own `halfOpenCalls` still applies.
   */
  setTrialPermit(permit: TrialPermit | undefined): void {
    this.trialPermit = permit;
  }

  /** Back to closed with an empty window: forgets failures, open-duration growth, isolations and counters. */
  reset(): void {
    this.notPermitted = 0;
    this.machine.reset(this.clock.now());
  }

  /** The state as plain JSON, for `initialState` (after JSON.stringify / JSON.parse if you like). */
  snapshot(): CircuitBreakerSnapshot {
    const now = this.clock.now();
    const m = this.machine;
    const state = m.refresh(now);
    return {
      version: SNAPSHOT_VERSION,
      state: stateNames[state] as CircuitStateName,
      since: m.since,
      openUntil: state === CircuitState.Open ? m.openUntil : null,
      opens: m.opens,
      notPermitted: this.notPermitted,
      window: this.window.snapshot(now),
    };
  }

  metrics(): CircuitBreakerMetrics {
    const now = this.clock.now();
    const m = this.machine;
    const state = m.refresh(now);
    const totals = this.window.totals(now);
    const metrics: CircuitBreakerMetrics = {
      state: stateNames[state] as CircuitStateName,
      since: m.since,
      calls: totals.calls,
      failures: totals.failures,
      slowCalls: totals.slowCalls,
      failureRate: totals.calls === 0 ? 0 : totals.failures / totals.calls,
      slowCallRate: totals.calls === 0 ? 0 : totals.slowCalls / totals.calls,
      notPermitted: this.notPermitted,
      retryAfterMs: state === CircuitState.Open ? m.openUntil - now : 0,
    };
    if (totals.consecutiveFailures !== undefined) metrics.consecutiveFailures = totals.consecutiveFailures;
    if (totals.consecutiveSlowCalls !== undefined) metrics.consecutiveSlowCalls = totals.consecutiveSlowCalls;
    return metrics;
  }
}

/** A circuit breaker; see docs/circuit-breaker.md. */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreaker {
  return new CircuitBreaker(options);
}
