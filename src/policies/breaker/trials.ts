/**
 * How a half-open breaker judges its trial calls: after each finished trial, and once more when
 * `halfOpenMaxWaitMs` runs out. Pure functions over the counts the state machine keeps.
 */
import type { HalfOpenJudge } from './options.js';

export interface TrialCounts {
  /** Trials that finished and counted (ignored errors do not). */
  finished: number;
  failed: number;
  /** Slow trials, failed or not. */
  slow: number;
}

export interface TrialRules {
  halfOpenJudge: HalfOpenJudge;
  halfOpenCalls: number;
  failureRateThreshold: number;
  /** Infinity when slow calls are not measured. */
  slowCallRateThreshold: number;
}

/** What the trials say: re-open (and why), close, or wait for more trials. */
export type TrialVerdict = 'trial-failed' | 'trial-slow' | 'trials-succeeded' | undefined;

/**
 * 'all': the first failed (or slow) trial re-opens; `halfOpenCalls` successes close.
 * 'rate': re-open as soon as the failures (or slow trials) reach their threshold's share of
 * `halfOpenCalls`, which no later trial can undo; close once all `halfOpenCalls` finished below it.
 */
export function judgeTrials(c: TrialCounts, r: TrialRules): TrialVerdict {
  if (r.halfOpenJudge === 'all') {
    if (c.failed > 0) return 'trial-failed';
    if (c.slow > 0) return 'trial-slow';
  } else {
    if (c.failed / r.halfOpenCalls >= r.failureRateThreshold) return 'trial-failed';
    if (c.slow / r.halfOpenCalls >= r.slowCallRateThreshold) return 'trial-slow';
  }
  return c.finished >= r.halfOpenCalls ? 'trials-succeeded' : undefined;
}

/**
 * The decision when the half-open time is up, on the trials finished so far: none finished
 * re-opens; otherwise 'all' closes (a failed or slow one would already have re-opened) and
 * 'rate' judges the finished trials' rates.
 */
export function judgeTrialsAtTimeout(c: TrialCounts, r: TrialRules): 'open' | 'closed' {
  if (c.finished === 0) return 'open';
  if (r.halfOpenJudge === 'all') return c.failed > 0 || c.slow > 0 ? 'open' : 'closed';
  return c.failed / c.finished >= r.failureRateThreshold || c.slow / c.finished >= r.slowCallRateThreshold ? 'open' : 'closed';
}
