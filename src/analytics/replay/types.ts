/**
 * The shapes of the what-if replay: a dependency's call trace (as it behaved), the policy settings
 * to replay it through, and what the replay reports. Settings use the policies' own option names
 * (and the service config's `policies:` shape), so a recommendation maps straight onto a config.
 */
import type { ManualClock } from '../../core/clock.js';
import type { WindowOptions } from '../../policies/breaker/options.js';

/** How the dependency answered one call. */
export type TraceOutcome = 'success' | 'failure' | 'timeout';

/** One call as the dependency behaved, in trace order (ascending `atMs`). */
export interface TraceCall {
  /** When the caller made the call (ms, the trace's own time origin). */
  atMs: number;
  /**
   * How long the dependency took to answer (ms). For a `timeout` the dependency never answered
   * within the recording's timeout, and this is that timeout: in a replay it never answers.
   */
  latencyMs: number;
  outcome: TraceOutcome;
  /**
   * false: the recording's own policy refused the call (an open breaker, a rate limit), so the
   * dependency was never asked; its behaviour is that of the nearest observed call. Absent: observed.
   */
  observed?: false;
}

/** The ordered calls of one dependency. */
export interface CallTrace {
  /** The dependency the trace is of (a breaker's, limiter's or endpoint's name). */
  dependency?: string;
  calls: TraceCall[];
  /**
   * Relative error of the reconstructed latencies (a DDSketch's `relativeAccuracy`): each is
   * within this share of a true latency of the same rank in its bucket. 0 for an exact trace.
   */
  latencyRelativeError?: number;
}

/** A backoff between tries: exponential with decorrelated jitter (`backoff.exponential`). */
export interface ReplayBackoff {
  initialMs: number;
  maxMs: number;
}

/** The retry budget (`retryBudget` in limits/): retries at most `ratio` of requests plus a floor. */
export interface ReplayRetryBudget {
  ratio: number;
  minRetriesPerSecond: number;
  /** Rolling window; the retryBudget default (10 s) when unset. */
  windowMs?: number;
}

export interface ReplayRetrySettings {
  /** Tries in all, the first included (RetryOptions.maxAttempts). */
  maxAttempts: number;
  /** Unset: the retry default (exponential from 100 ms, at most 30 s). */
  backoff?: ReplayBackoff;
  /** A shared budget capping retries; false or unset: none (every call may use all its tries). */
  retryBudget?: ReplayRetryBudget | false;
}

export interface ReplayBreakerSettings {
  /** Rate windows: open when failures / calls reaches this share, in (0, 1] (CircuitBreakerOptions). */
  failureRateThreshold: number;
  /** No rate judged before the window holds this many calls. */
  minimumCalls: number;
  /** How long to stay open (ms). */
  openMs: number;
  /** Which recent calls count; the circuitBreaker default (the last 100 calls) when unset. */
  window?: WindowOptions;
}

/**
 * The policies a trace is replayed through, outermost first: retry(breaker(timeout(call))).
 * The shape of the service config's `policies:` (timeout.ms, retry.maxAttempts, breaker.*),
 * with the few options the config does not carry yet. false or unset: no such policy.
 */
export interface PolicySettings {
  timeout?: { ms: number } | false;
  retry?: ReplayRetrySettings | false;
  breaker?: ReplayBreakerSettings | false;
}

/** Latency seen by callers over a set of calls. */
export interface CallerView {
  calls: number;
  succeeded: number;
  /** Calls that ended in an error (failures, timeouts, refusals, calls never answered). */
  failed: number;
  /** Percentiles of the caller's latency: from the call's start to its end, tries and waits included. NaN without calls. */
  p50Ms: number;
  p99Ms: number;
}

/** A span of the trace where the dependency was failing. */
export interface OutageWindow {
  fromMs: number;
  toMs: number;
}

export interface ReplayReport extends CallerView {
  /** Calls that ended in a TimeoutError (the timeout policy's). */
  timedOut: number;
  /** Calls an open breaker refused (on their first try or a retry). */
  rejected: number;
  /** Calls still unanswered when the replay ended (no timeout policy over a `timeout` answer). */
  unanswered: number;
  /** Requests that reached the dependency: the load put on it, retries included. */
  dependencyRequests: number;
  /** Requests sent while the dependency was failing (inside `outages`). */
  dependencyRequestsDuringOutages: number;
  /** dependencyRequests / calls (1: no retry; NaN without calls). */
  amplification: number;
  /** Retry amplification during the outages: requests sent in them / calls made in them (NaN without outage). */
  amplificationDuringOutages: number;
  /** Time the breaker spent open (ms); 0 without a breaker. */
  openMs: number;
  /** The outage windows found in the trace. */
  outages: OutageWindow[];
  /** The callers' view of the calls made during the outages. */
  duringOutages: CallerView;
}

export interface ReplayOptions {
  /** Randomness for the backoff's jitter; seed it (`seededRandom`) for a deterministic replay. */
  random?: () => number;
  /** The clock the replay runs on; a fresh ManualClock at the trace's first call when unset. */
  clock?: ManualClock;
  /** Outage detection: the trace is judged in windows of this length (ms). */
  outageWindowMs?: number;
  /** Outage detection: a window whose failed share (failures and timeouts) reaches this is an outage. */
  outageFailureRatio?: number;
}

export const REPLAY_DEFAULTS = {
  // Draws differ run to run unless seeded: pass seededRandom(seed) to compare settings fairly.
  random: Math.random as () => number,
  // One fine recording bucket: the finest grain a recorded trace has.
  outageWindowMs: 10_000,
  // Half the calls failing is a dependency in trouble (the breaker's default threshold), not noise.
  outageFailureRatio: 0.5,
};
