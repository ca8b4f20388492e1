/**
 * The breaker's states and the transitions between them, one function per transition:
 *
 *   closed --trip--> open --halfOpen--> half-open --close--> closed
 *                     ^                     |
 *                     +-------reopen--------+
 *   any --isolate--> isolated --release--> closed        any --reset--> closed
 *   closed, open, half-open --forceOpen--> open          open, half-open --forceClose--> closed
 *   closed, open, half-open, metrics-only --disable--> disabled
 *   closed, open, half-open, disabled --metricsOnly--> metrics-only
 *   disabled, metrics-only --transitionTo('closed' | 'open')--> closed | open
 *
 * Open -> half-open is decided lazily: whoever next looks (a call, a `state` read) and finds the
 * open duration over makes the move. No timer runs while a breaker waits.
 */
import type { Clock } from '../../core/clock.js';
import type { Backoff, BackoffSequence } from '../backoff.js';
import { IllegalTransitionError } from './illegal-transition.js';
import type { CircuitBreakerSnapshot } from './snapshot.js';
import type { OutcomeWindow, TripReason } from './windows/window.js';

export enum CircuitState {
  Closed,
  Open,
  HalfOpen,
  Isolated,
  /** Forced: every call goes through and is recorded; the window is never judged. */
  Disabled,
  /** Forced: every call goes through and is recorded and judged, but the breaker never opens. */
  MetricsOnly,
}

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated' | 'disabled' | 'metrics-only';

/** The public name of each state, indexed by CircuitState. */
export const stateNames: readonly CircuitStateName[] = ['closed', 'open', 'half-open', 'isolated', 'disabled', 'metrics-only'];

export type StateChangeReason =
  /** The window judged the dependency down (closed -> open). */
  | TripReason
  /** The open duration passed (open -> half-open). */
  | 'open-elapsed'
  /** A trial call failed, or (halfOpenJudge 'rate') the trials' failure rate reached the threshold (half-open -> open). */
  | 'trial-failed'
  /** A trial call was slow, or (halfOpenJudge 'rate') the trials' slow-call rate reached the threshold (half-open -> open). */
  | 'trial-slow'
  /** The trials passed: all succeeded, or (halfOpenJudge 'rate') their rates stayed under the thresholds (half-open -> closed). */
  | 'trials-succeeded'
  /** `halfOpenMaxWaitMs` passed: the breaker decided on the trials finished so far (half-open -> closed or open). */
  | 'half-open-timeout'
  /** `isolate()` was called (any -> isolated). */
  | 'isolated'
  /** The last isolation was released (isolated -> closed). */
  | 'released'
  /** `reset()` was called (any -> closed). */
  | 'reset'
  /** `forceOpen()` was called: another breaker (of a fleet) opened (closed or half-open -> open). */
  | 'forced-open'
  /** `forceClose()` was called: another breaker (of a fleet) closed (open or half-open -> closed). */
  | 'forced-close'
  /** `transitionTo(state)` was called. */
  | 'manual';

export interface StateChange {
  from: CircuitStateName;
  to: CircuitStateName;
  reason: StateChangeReason;
  /** Clock time (ms) of the change. */
  at: number;
}

/** Undoes one `isolate()`; calling it again does nothing. */
export interface IsolationHandle {
  release(): void;
}

export class CircuitStateMachine {
  state = CircuitState.Closed;
  /** Clock time the current state began. */
  since: number;
  /** Open: when a trial may go through. */
  openUntil = 0;
  /** Bumped on every transition, so a trial that ends after the state moved on is not counted. */
  generation = 0;
  /** Half-open: trial calls admitted and not yet ignored. */
  trialsAdmitted = 0;
  /** Half-open: trial calls that finished and counted (succeeded, failed or slow). */
  trialsFinished = 0;
  /** Half-open: trial calls that failed. */
  trialsFailed = 0;
  /** Half-open: trial calls that were slow (failed or not). */
  trialsSlow = 0;
  /** Opens in a row since the last full close. */
  opens = 0;
  private sequence: BackoffSequence | undefined;
  private isolations = 0;
  /** Bumped by reset(), which voids every outstanding isolation handle. */
  private isolationEpoch = 0;
  /** Isolated by a restored snapshot: no handle exists, only reset() releases it. */
  private restoredIsolation = false;

  constructor(
    private openMs: number | Backoff,
    private window: OutcomeWindow,
    private readonly clock: Clock,
    private readonly changed: (change: StateChange) => void,
  ) {
    this.since = clock.now();
  }

  /** New settings (breaker.reconfigure): the open duration from the next opening (its growth starts over when it changed), the window from now. */
  reconfigure(openMs: number | Backoff, window: OutcomeWindow): void {
    if (openMs !== this.openMs) this.sequence = undefined;
    this.openMs = openMs;
    this.window = window;
  }

  private enter(to: CircuitState, reason: StateChangeReason, now: number): void {
    const from = this.state;
    this.state = to;
    this.since = now;
    this.generation++;
    this.trialsAdmitted = this.trialsFinished = this.trialsFailed = this.trialsSlow = 0;
    if (from !== to) this.changed({ from: stateNames[from] as CircuitStateName, to: stateNames[to] as CircuitStateName, reason, at: now });
  }

  /** The next open duration; a Backoff is handed the error that opened the breaker (undefined when none did). */
  private nextOpenMs(error: unknown): number {
    if (typeof this.openMs === 'number') return this.openMs;
    this.sequence ??= this.openMs.start();
    return Math.max(0, this.sequence.next(error));
  }

  /** Forgets how far the open duration has grown (after a full close). */
  private resetGrowth(): void {
    this.opens = 0;
    this.sequence = undefined;
  }

  /** closed -> open: the window judged the dependency down; `error` is the failure that tipped it (if one did). */
  trip(reason: TripReason, now: number, error?: unknown): void {
    this.resetGrowth();
    this.opens = 1;
    this.openUntil = now + this.nextOpenMs(error);
    this.enter(CircuitState.Open, reason, now);
  }

  /** half-open -> open: the trials failed (or were slow, or ran out of time); the open duration grows. */
  reopen(reason: 'trial-failed' | 'trial-slow' | 'half-open-timeout', now: number, error?: unknown): void {
    this.opens++;
    this.openUntil = now + this.nextOpenMs(error);
    this.enter(CircuitState.Open, reason, now);
  }

  /** open -> half-open: the open duration is over; trials may go through. */
  halfOpen(now: number, reason: 'open-elapsed' | 'manual' = 'open-elapsed'): void {
    this.enter(CircuitState.HalfOpen, reason, now);
  }

  /** half-open -> closed: the trials passed; the window and the open duration start afresh. */
  close(now: number, reason: 'trials-succeeded' | 'half-open-timeout' = 'trials-succeeded'): void {
    this.window.clear();
    this.resetGrowth();
    this.enter(CircuitState.Closed, reason, now);
  }

  /** If open and its time is up, moves to half-open. Returns the (possibly new) state. */
  refresh(now: number): CircuitState {
    if (this.state === CircuitState.Open && now >= this.openUntil) this.halfOpen(now);
    return this.state;
  }

  /** any -> isolated: rejects every call until each handle is released. Isolations stack. */
  isolate(): IsolationHandle {
    if (this.isolations++ === 0 && this.state !== CircuitState.Isolated) this.enter(CircuitState.Isolated, 'isolated', this.clock.now());
    const epoch = this.isolationEpoch;
    let released = false;
    return {
      release: () => {
        if (released || epoch !== this.isolationEpoch) return;
        released = true;
        if (--this.isolations === 0 && !this.restoredIsolation) this.release(this.clock.now());
      },
    };
  }

  /**
   * closed, open or half-open -> open until `now + ms`, decided elsewhere. The open duration's
   * growth advances as a trip (from closed) or a re-open (from half-open) would; an open breaker
   * only gets its new end. Isolated, disabled or metrics-only: nothing happens (false).
   */
  forceOpen(ms: number, now: number): boolean {
    switch (this.state) {
      case CircuitState.Isolated:
      case CircuitState.Disabled:
      case CircuitState.MetricsOnly:
        return false;
      case CircuitState.Open:
        this.openUntil = now + ms;
        return true;
      case CircuitState.Closed:
        this.resetGrowth();
        this.opens = 1;
        this.nextOpenMs(undefined);
        break;
      case CircuitState.HalfOpen:
        this.opens++;
        this.nextOpenMs(undefined);
        break;
    }
    this.openUntil = now + ms;
    this.enter(CircuitState.Open, 'forced-open', now);
    return true;
  }

  /**
   * open or half-open -> closed, decided elsewhere: the window and the open duration start afresh,
   * as after successful trials. Closed, isolated, disabled or metrics-only: nothing happens (false).
   */
  forceClose(now: number): boolean {
    if (this.state !== CircuitState.Open && this.state !== CircuitState.HalfOpen) return false;
    this.window.clear();
    this.resetGrowth();
    this.enter(CircuitState.Closed, 'forced-close', now);
    return true;
  }

  /**
   * A transition asked for by hand (`transitionTo`). Legal moves: to closed from open, half-open,
   * disabled or metrics-only (empty window, growth forgotten); to open from closed, half-open,
   * disabled or metrics-only (for the next open duration); to half-open from open; to disabled
   * or metrics-only from closed, open, half-open or the other forced state (the window is kept).
   * Anything else, or a move to the current state, throws IllegalTransitionError: isolation has
   * its own handles (`isolate()`), and `reset()` leaves any state.
   */
  manual(to: CircuitState, now: number): void {
    const from = this.state;
    if (!isLegal(from, to)) throw new IllegalTransitionError(stateNames[from] as CircuitStateName, stateNames[to] as CircuitStateName);
    switch (to) {
      case CircuitState.Closed:
        this.window.clear();
        this.resetGrowth();
        this.enter(CircuitState.Closed, 'manual', now);
        return;
      case CircuitState.Open:
        if (from === CircuitState.HalfOpen) this.opens++;
        else {
          this.resetGrowth();
          this.opens = 1;
        }
        this.openUntil = now + this.nextOpenMs(undefined);
        this.enter(CircuitState.Open, 'manual', now);
        return;
      case CircuitState.HalfOpen:
        this.halfOpen(now, 'manual');
        return;
      default:
        // disabled or metrics-only: the window keeps its calls, the open duration its growth.
        this.enter(to, 'manual', now);
    }
  }

  /** isolated -> closed: the last isolation was released. */
  private release(now: number): void {
    this.window.clear();
    this.resetGrowth();
    this.enter(CircuitState.Closed, 'released', now);
  }

  /** any -> closed: forgets the window, the open duration's growth and every isolation. */
  reset(now: number): void {
    this.isolations = 0;
    this.isolationEpoch++;
    this.restoredIsolation = false;
    this.window.clear();
    this.resetGrowth();
    this.enter(CircuitState.Closed, 'reset', now);
  }

  /** Loads a snapshot's state (the window's calls are loaded by the window). */
  restore(snapshot: CircuitBreakerSnapshot): void {
    this.state = CircuitState[stateKey(snapshot.state)];
    this.since = snapshot.since;
    this.openUntil = snapshot.openUntil ?? 0;
    this.opens = snapshot.opens;
    this.sequence = undefined;
    // Replay the open durations already used, so the next one continues the growth.
    if (typeof this.openMs !== 'number' && this.opens > 0) {
      const sequence = this.openMs.start();
      for (let k = 0; k < this.opens; k++) sequence.next();
      this.sequence = sequence;
    }
    this.restoredIsolation = this.state === CircuitState.Isolated;
  }
}

/** Whether `transitionTo` may move a breaker from `from` to `to`; see `manual()`. */
export function isLegal(from: CircuitState, to: CircuitState): boolean {
  if (from === to || from === CircuitState.Isolated) return false;
  switch (to) {
    case CircuitState.Closed:
    case CircuitState.Disabled:
    case CircuitState.MetricsOnly:
      return true;
    case CircuitState.Open:
      return from !== CircuitState.Open;
    case CircuitState.HalfOpen:
      return from === CircuitState.Open;
    case CircuitState.Isolated:
      return false;
  }
}

export function stateKey(name: CircuitStateName): keyof typeof CircuitState {
  switch (name) {
    case 'closed':
      return 'Closed';
    case 'open':
      return 'Open';
    case 'half-open':
      return 'HalfOpen';
    case 'isolated':
      return 'Isolated';
    case 'disabled':
      return 'Disabled';
    case 'metrics-only':
      return 'MetricsOnly';
  }
}
