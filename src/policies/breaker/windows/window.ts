/**
 * What every breaker window does: record one outcome in O(1) and say whether the circuit should
 * open. An outcome is a small bit set, so windows store calls in typed arrays, not objects.
 */

/** Outcome bit: the call failed (as `isFailure` judges it). */
export const FAILED = 1;
/** Outcome bit: the call took `slowCallMs` or longer. */
export const SLOW = 2;
/** An outcome: 0 (fast success), FAILED, SLOW, or FAILED | SLOW. */
export type Outcome = number;

/** Why a window says the circuit should open. */
export type TripReason = 'failure-rate' | 'slow-call-rate' | 'consecutive-failures' | 'consecutive-slow-calls';

export interface WindowTotals {
  /** Calls the window holds. */
  calls: number;
  failures: number;
  slowCalls: number;
  /** With the consecutive window only: the current runs. */
  consecutiveFailures?: number;
  consecutiveSlowCalls?: number;
}

/** The thresholds a window judges by. */
export interface Thresholds {
  failureRateThreshold: number;
  /** Infinity when slow calls are not measured. */
  slowCallRateThreshold: number;
  minimumCalls: number;
}

export interface ConsecutiveWindowSnapshot {
  kind: 'consecutive';
  calls: number;
  failures: number;
  slowCalls: number;
  consecutiveFailures: number;
  consecutiveSlowCalls: number;
}

export interface CountWindowSnapshot {
  kind: 'count';
  /** The recorded outcomes, oldest first, one digit (0-3) per call. */
  outcomes: string;
}

export interface TimeWindowSnapshot {
  kind: 'time';
  /** The window's length; buckets are restored only into a window of the same length. */
  ms: number;
  /** Index of the newest bucket: floor(time / bucket length). */
  epoch: number;
  /** Per bucket, oldest first. */
  calls: number[];
  failures: number[];
  slowCalls: number[];
}

export type WindowSnapshot = ConsecutiveWindowSnapshot | CountWindowSnapshot | TimeWindowSnapshot;

export interface OutcomeWindow {
  /** Records one call; `now` is read only by the time window. Returns why to open, if the window says so. */
  record(outcome: Outcome, now: number): TripReason | undefined;
  /** What the window holds at `now`. */
  totals(now: number): WindowTotals;
  /** Forgets every call (the circuit closed afresh). */
  clear(): void;
  snapshot(now: number): WindowSnapshot;
  /** Loads a snapshot's calls; one of another kind (or, for time, another length) is ignored. */
  restore(snapshot: WindowSnapshot): void;
}

/** The rate rule shared by the count and time windows. */
export function judgeRates(calls: number, failures: number, slowCalls: number, t: Thresholds, minimumCalls: number): TripReason | undefined {
  if (calls < minimumCalls) return undefined;
  if (failures / calls >= t.failureRateThreshold) return 'failure-rate';
  if (slowCalls / calls >= t.slowCallRateThreshold) return 'slow-call-rate';
  return undefined;
}
