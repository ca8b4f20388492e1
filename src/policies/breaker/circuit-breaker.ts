/**
 * The circuit breaker policy: stops calling a dependency that keeps failing (or keeps being slow),
 * lets a few trial calls through after a while, and closes again once they succeed.
 */
import type { CancelTimer, Clock } from '../../core/clock.js';
import { Context } from '../../core/context.js';
import { BrokenCircuitError, IsolatedCircuitError } from '../../core/errors.js';
import type { Listener, Unsubscribe } from '../../core/events.js';
import { checkNumber } from '../../core/option-checks.js';
import type { SettingsChange } from '../../core/settings-change.js';
import { BasePolicy, type ExecuteOptions, type Operation, invoke } from '../../core/policy.js';
import { isCallerAbort } from './caller-abort.js';
import type { CircuitBreakerEvents, RejectedReason } from './events.js';
import { IllegalTransitionError } from './illegal-transition.js';
import type { CircuitBreakerMetrics } from './metrics.js';
import { type CircuitBreakerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type BreakerSettings, optionsOf, resolveChanges, sameWindow, settingsOf } from './settings.js';
import { type CircuitBreakerSnapshot, SNAPSHOT_VERSION, parseSnapshot } from './snapshot.js';
import {
  CircuitState,
  CircuitStateMachine,
  type CircuitStateName,
  type IsolationHandle,
  type StateChange,
  isLegal,
  stateKey,
  stateNames,
} from './state-machine.js';
import { breakerTimer } from './timer.js';
import type { TrialPermit } from './trial-permit.js';
import { judgeTrials, judgeTrialsAtTimeout } from './trials.js';
import { makeWindow } from './windows/make-window.js';
import { FAILED, type Outcome, type OutcomeWindow, SLOW, type TripReason } from './windows/window.js';

export type { CircuitBreakerMetrics } from './metrics.js';

export class CircuitBreaker extends BasePolicy<CircuitBreakerEvents> {
  /** The name given in the options (the registry sets it), for messages and metrics. */
  readonly name: string | undefined;
  private settings: ResolvedOptions;
  private readonly clock: Clock;
  private window: OutcomeWindow;
  private readonly machine: CircuitStateMachine;
  private notPermitted = 0;
  private timedCalls = 0;
  private totalDurationMs = 0;
  /** Metrics-only: the threshold last reported, so it is reported once per turn of the judgement. */
  private exceeded: TripReason | undefined;
  /** Half-open with `halfOpenMaxWaitMs`: cancels the timer that ends the wait. */
  private cancelMaxWait: CancelTimer | undefined;
  /** Asked before each half-open trial, when set. */
  private trialPermit: TrialPermit | undefined;
  /** Calls are timed when slow calls are measured, the window is time based or `timeCalls` is on. */
  private alwaysTimed: boolean;
  /** ... or when someone listens to success or failure. */
  private timed: boolean;
  /** Closed and untimed: calls take the hot path (shared handlers, no clock read). */
  private fast = false;

  constructor(options?: CircuitBreakerOptions) {
    super();
    const o = resolveOptions(options);
    this.settings = o;
    this.name = o.name;
    this.clock = o.clock;
    this.window = makeWindow(o);
    this.machine = new CircuitStateMachine(o.openMs, this.window, o.clock, (change) => this.changed(change));
    this.alwaysTimed = timedBy(o);
    this.timed = this.alwaysTimed;
    if (o.initialState !== undefined) {
      const snapshot = parseSnapshot(o.initialState);
      this.machine.restore(snapshot);
      this.window.restore(snapshot.window);
      this.notPermitted = snapshot.notPermitted;
      this.timedCalls = snapshot.timedCalls ?? 0;
      this.totalDurationMs = snapshot.totalDurationMs ?? 0;
      // A breaker restored half-open waits what is left of its maximum.
      if (this.machine.state === CircuitState.HalfOpen) this.startMaxWait(snapshot.since + o.halfOpenMaxWaitMs - this.clock.now());
    }
    this.refreshFast();
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
    this.refreshFast();
  }

  private refreshFast(): void {
    this.fast = this.machine.state === CircuitState.Closed && !this.timed;
  }

  /** Every transition passes here: the half-open wait is (re)armed, then listeners hear of it. */
  private changed(change: StateChange): void {
    if (this.cancelMaxWait !== undefined) {
      this.cancelMaxWait();
      this.cancelMaxWait = undefined;
    }
    if (change.to === 'half-open') this.startMaxWait(this.settings.halfOpenMaxWaitMs);
    else if (change.to === 'metrics-only') this.exceeded = undefined;
    this.refreshFast();
    this.events.emit('stateChange', change);
  }

  private startMaxWait(ms: number): void {
    if (ms === Infinity) return;
    const generation = this.machine.generation;
    this.cancelMaxWait = breakerTimer(this.clock, ms, () => this.maxWaitOver(generation), this.settings.unref);
  }

  /** The half-open time is up: decide on the trials finished so far. Late trials then count for nothing. */
  private maxWaitOver(generation: number): void {
    const m = this.machine;
    this.cancelMaxWait = undefined;
    if (m.state !== CircuitState.HalfOpen || m.generation !== generation) return;
    const now = this.clock.now();
    const verdict = judgeTrialsAtTimeout({ finished: m.trialsFinished, failed: m.trialsFailed, slow: m.trialsSlow }, this.settings);
    if (verdict === 'closed') m.close(now, 'half-open-timeout');
    else m.reopen('half-open-timeout', now);
  }

  /** As every policy's, with the hot path taken before a context is even looked up. */
  override execute<T>(fn: Operation<T>, options?: ExecuteOptions): Promise<T> {
    if (options === undefined && this.fast) return this.runClosed(fn, Context.root());
    return super.execute(fn, options);
  }

  /**
   * Runs `fn` and hands back the promise it returned (or one for its value or throw): the breaker
   * only watches that promise settle, so a call costs one reaction and no promise of its own, and
   * the caller resumes in the same microtask as the breaker records. The watching handlers do not
   * rethrow the call's error, so they leave no rejection of their own behind (only a throw from a
   * user-supplied part, a Backoff or a TrialPermit, would surface as an unhandled rejection).
   */
  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    // The hot path: closed, nothing to time, no signal that could abort.
    if (this.fast && !ctx.source.mayAbort) return this.runClosed(fn, ctx);
    return this.runGuarded(fn, ctx);
  }

  /** Shared handlers, no closure, no clock read; a native promise returned by `fn` is watched as it is. */
  private runClosed<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    let call: Promise<T>;
    try {
      const result = fn(ctx);
      call = result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      call = Promise.reject(error);
    }
    void call.then(this.onClosedSuccess, this.onClosedFailure);
    return call;
  }

  private readonly onClosedSuccess = (): void => {
    if (this.machine.state === CircuitState.Closed) this.recordClosed(0, NaN, undefined);
  };

  private readonly onClosedFailure = (error: unknown): void => {
    if (this.machine.state === CircuitState.Closed && this.isFailure(error)) this.recordClosed(FAILED, NaN, error);
  };

  /** Records a call admitted while closed; `error` (a failure's) goes to the open-duration backoff. */
  private recordClosed(outcome: Outcome, now: number, error: unknown): void {
    const reason = this.window.record(outcome, now);
    if (reason === undefined) return;
    const at = Number.isNaN(now) ? this.clock.now() : now;
    if (this.events.has('thresholdExceeded')) this.reportExceeded(reason, CircuitState.Closed, at);
    this.machine.trip(reason, at, error);
  }

  /** Records a finished call admitted outside half-open, as the state it finds asks. */
  private recordAdmitted(outcome: Outcome, now: number, error: unknown): void {
    switch (this.machine.state) {
      case CircuitState.Closed:
        this.recordClosed(outcome, now, error);
        return;
      case CircuitState.Disabled:
        this.window.record(outcome, now);
        return;
      case CircuitState.MetricsOnly: {
        const reason = this.window.record(outcome, now);
        if (reason !== this.exceeded) {
          this.exceeded = reason;
          if (reason !== undefined && this.events.has('thresholdExceeded')) {
            this.reportExceeded(reason, CircuitState.MetricsOnly, Number.isNaN(now) ? this.clock.now() : now);
          }
        }
        return;
      }
      default:
      // Open, half-open or isolated by now: a call from before does not count.
    }
  }

  private reportExceeded(reason: TripReason, state: CircuitState, at: number): void {
    const t = this.window.totals(at);
    this.events.emit('thresholdExceeded', {
      reason,
      state: stateNames[state] as CircuitStateName,
      failureRate: t.calls === 0 ? 0 : t.failures / t.calls,
      slowCallRate: t.calls === 0 ? 0 : t.slowCalls / t.calls,
      at,
    });
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
        return this.reject(state, 'open', m.openUntil - now);
      case CircuitState.Isolated:
        return this.reject(state, 'isolated', 0);
      case CircuitState.HalfOpen:
        if (m.trialsAdmitted >= this.settings.halfOpenCalls) return this.reject(state, 'trials-running', 0);
        permit = this.trialPermit;
        if (permit !== undefined && !permit.acquire()) return this.reject(state, 'trial-permit-denied', 0);
        m.trialsAdmitted++;
        trial = true;
        break;
      default:
      // Closed, disabled or metrics-only: the call goes through.
    }
    const generation = m.generation;
    const start = this.timed ? (Number.isNaN(now) ? this.clock.now() : now) : NaN;
    const call = invoke(fn, ctx);
    void call.then(
      () => {
        permit?.release();
        this.settle(0, undefined, start, trial, generation);
      },
      (error: unknown) => {
        permit?.release();
        if (isCallerAbort(error, ctx) || !this.isFailure(error)) this.ignore(trial, generation);
        else this.settle(FAILED, error, start, trial, generation);
      },
    );
    return call;
  }

  /** Records a finished call: in the window if admitted outside half-open, as a trial if half-open. */
  private settle(outcome: Outcome, error: unknown, start: number, trial: boolean, generation: number): void {
    let end = NaN;
    if (!Number.isNaN(start)) {
      end = this.clock.now();
      const durationMs = end - start;
      if (durationMs >= this.settings.slowCallMs) outcome |= SLOW;
      this.timedCalls++;
      this.totalDurationMs += durationMs;
      if (outcome & FAILED) this.events.emit('failure', { error, durationMs });
      else this.events.emit('success', { durationMs });
    }
    if (!trial) {
      this.recordAdmitted(outcome, end, error);
      return;
    }
    const m = this.machine;
    if (generation !== m.generation) return;
    m.trialsFinished++;
    if (outcome & FAILED) m.trialsFailed++;
    if (outcome & SLOW) m.trialsSlow++;
    const verdict = judgeTrials({ finished: m.trialsFinished, failed: m.trialsFailed, slow: m.trialsSlow }, this.settings);
    if (verdict === undefined) return;
    const now = Number.isNaN(end) ? this.clock.now() : end;
    if (verdict === 'trials-succeeded') m.close(now);
    else m.reopen(verdict, now, error);
  }

  /** An ignored outcome counts for nothing; a trial's slot is freed for another trial. */
  private ignore(trial: boolean, generation: number): void {
    if (trial && generation === this.machine.generation) this.machine.trialsAdmitted--;
  }

  private reject<T>(state: CircuitState, reason: RejectedReason, retryAfterMs: number): Promise<T> {
    this.notPermitted++;
    const label = this.name === undefined ? 'Circuit' : `Circuit "${this.name}"`;
    const error =
      state === CircuitState.Isolated
        ? new IsolatedCircuitError(`${label} is isolated`)
        : new BrokenCircuitError(
            state === CircuitState.Open ? `${label} is open; retry after ${Math.ceil(retryAfterMs)} ms` : `${label} is half-open and its trial calls are running`,
            retryAfterMs,
          );
    if (this.events.has('rejected')) this.events.emit('rejected', { reason, state: stateNames[state] as CircuitStateName, retryAfterMs });
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
   * Moves the breaker by hand (reason `manual`): to `closed` (empty window) from open, half-open,
   * disabled or metrics-only; to `open` (for the next open duration) from closed, half-open,
   * disabled or metrics-only; to `half-open` from open; to `disabled` (every call goes through
   * and is recorded, nothing is judged) or `metrics-only` (recorded and judged, reported by
   * `thresholdExceeded`, never opens) from closed, open, half-open or the other. Anything else
   * throws IllegalTransitionError: isolation has `isolate()`, and `reset()` leaves any state.
   */
  transitionTo(state: CircuitStateName): void {
    if (!stateNames.includes(state)) {
      throw new TypeError(`circuitBreaker: transitionTo(state) needs one of ${stateNames.join(', ')}, got ${String(state)}`);
    }
    const now = this.clock.now();
    const m = this.machine;
    const from = m.refresh(now);
    const to = CircuitState[stateKey(state)];
    if (!isLegal(from, to)) throw new IllegalTransitionError(stateNames[from] as CircuitStateName, state, this.name);
    m.manual(to, now);
  }

  /**
   * Opens the breaker for `ms` from now, as if it had tripped (from closed or half-open; an open
   * breaker gets the new end). For a breaker that follows others, e.g. across a fleet. An isolated,
   * disabled or metrics-only breaker is left as it is: returns false.
   */
  forceOpen(ms: number): boolean {
    checkNumber('circuitBreaker', 'forceOpen(ms)', ms, 0);
    return this.machine.forceOpen(ms, this.clock.now());
  }

  /**
   * Closes an open or half-open breaker with an empty window, as if its trials had succeeded
   * elsewhere. Any other state is left as it is: returns false.
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

  /** The settings in force (those `reconfigure()` can change). */
  currentSettings(): BreakerSettings {
    return settingsOf(this.settings);
  }

  /**
   * Changes settings while the breaker runs (a tuning applied live): checked as the constructor
   * checks them (a bad value throws, naming it, and nothing changes); a key left out keeps its
   * value, one given as undefined goes back to its default. The state is kept. A window of the same
   * kind and length keeps its calls, judged by the new thresholds from the next call; another
   * window starts empty. A new `openMs` applies from the next opening (an open breaker keeps its
   * end), a new half-open limit from the next half-open. Emits `settingsChange`; returns the
   * settings now in force.
   */
  reconfigure(changes: BreakerSettings): BreakerSettings {
    // Rebuilt from the resolved settings rather than kept as given: an idle breaker holds no second copy of its options.
    const next = resolveChanges(optionsOf(this.settings), changes);
    const from = settingsOf(this.settings);
    const now = this.clock.now();
    const window = makeWindow(next);
    if (sameWindow(this.settings.window, next.window)) window.restore(this.window.snapshot(now));
    this.settings = next;
    this.window = window;
    this.machine.reconfigure(next.openMs, window);
    this.alwaysTimed = timedBy(next);
    this.updateTiming();
    const change: SettingsChange<BreakerSettings> = { from, to: settingsOf(next), at: now };
    this.events.emit('settingsChange', change);
    return change.to;
  }

  /** Back to closed with an empty window: forgets failures, open-duration growth, isolations, forced states and counters. */
  reset(): void {
    this.notPermitted = this.timedCalls = this.totalDurationMs = 0;
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
      timedCalls: this.timedCalls,
      totalDurationMs: this.totalDurationMs,
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
      timedCalls: this.timedCalls,
      totalDurationMs: this.totalDurationMs,
      averageDurationMs: this.timedCalls === 0 ? 0 : this.totalDurationMs / this.timedCalls,
    };
    if (totals.consecutiveFailures !== undefined) metrics.consecutiveFailures = totals.consecutiveFailures;
    if (totals.consecutiveSlowCalls !== undefined) metrics.consecutiveSlowCalls = totals.consecutiveSlowCalls;
    return metrics;
  }
}

/** Calls are timed when slow calls are measured, the window is time based or `timeCalls` is on. */
function timedBy(o: ResolvedOptions): boolean {
  return o.timeCalls || o.slowCallMs !== Infinity || o.window.kind === 'time';
}

/** A circuit breaker; see docs/circuit-breaker.md. */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreaker {
  return new CircuitBreaker(options);
}
