/**
 * The circuit breaker's options: the type, the defaults (written once, each with its reason) and
 * the validation that turns what a user passed into the resolved settings the breaker runs on.
 */
import { type Clock, systemClock } from '../../core/clock.js';
import { checkBoolean, checkFunction, checkInteger, checkNumber, checkObject, checkOneOf, checkShape, checkString } from '../../core/option-checks.js';
import type { Backoff } from '../backoff.js';
import type { CircuitBreakerSnapshot } from './snapshot.js';

/** Which recent calls the breaker judges the dependency by. */
export type WindowOptions =
  /** Opens after `failures` failures in a row (or as many slow calls in a row, with `slowCallMs`). */
  | { kind: 'consecutive'; failures: number }
  /** The last `size` calls: opens when their failure (or slow-call) rate reaches the threshold. */
  | { kind: 'count'; size: number }
  /** The calls of the last `ms` milliseconds, in 10 buckets of `ms / 10`. */
  | { kind: 'time'; ms: number };

export interface CircuitBreakerOptions {
  /** Shown in error messages and used by the registry; purely descriptive. */
  name?: string;
  /** Which recent calls count. */
  window?: WindowOptions;
  /** Rate windows: open when failures / calls reaches this share, in (0, 1]. */
  failureRateThreshold?: number;
  /** A call that takes this many milliseconds or more is slow (failed calls included). */
  slowCallMs?: number;
  /** Rate windows: open when slow calls / calls reaches this share, in (0, 1]. Needs `slowCallMs`. */
  slowCallRateThreshold?: number;
  /** Rate windows: no rate is judged before the window holds this many calls. */
  minimumCalls?: number;
  /** How long to stay open: a fixed duration, or a Backoff whose delays grow with each re-open. */
  openMs?: number | Backoff;
  /** Trial calls let through when half-open. */
  halfOpenCalls?: number;
  /**
   * How the trials are judged: 'all' (every trial must succeed; the first failed or slow one
   * re-opens) or 'rate' (once all `halfOpenCalls` trials have finished, close unless their
   * failure or slow-call rate reaches `failureRateThreshold` / `slowCallRateThreshold`; re-open
   * as soon as that is certain).
   */
  halfOpenJudge?: HalfOpenJudge;
  /**
   * The longest the breaker stays half-open: then it decides on the trials finished so far
   * (none finished: re-open). Unset: it waits for the trials however long they take.
   */
  halfOpenMaxWaitMs?: number;
  /** Time every call, for the duration totals in `metrics()`, even when nothing else needs it. */
  timeCalls?: boolean;
  /** The breaker's own timers (`halfOpenMaxWaitMs`) do not keep the process alive. */
  unref?: boolean;
  /** Which errors count as failures of the dependency; the errors it rejects are ignored. */
  isFailure?: (error: unknown) => boolean;
  /** Source of time. */
  clock?: Clock;
  /** Start from a snapshot taken by `snapshot()` (for instance before a restart). */
  initialState?: CircuitBreakerSnapshot;
}

/** How half-open trials are judged; see `halfOpenJudge`. */
export type HalfOpenJudge = 'all' | 'rate';

export const CIRCUIT_BREAKER_DEFAULTS = {
  // 100 recent calls judge a rate on a sample large enough not to trip on a few stray errors.
  window: { kind: 'count', size: 100 } as WindowOptions,
  // Half the calls failing is a dependency in trouble, not noise.
  failureRateThreshold: 0.5,
  // Only a dependency where every judged call is slow is cut off unless told otherwise (as resilience4j).
  slowCallRateThreshold: 1,
  // 20 calls before judging keeps a cold start's first errors from opening the circuit.
  minimumCalls: 20,
  // 30 s gives an exchange or a feed time to recover before it is probed again.
  openMs: 30_000 as number | Backoff,
  // One trial call is enough to learn whether the dependency is back, and risks the least.
  halfOpenCalls: 1,
  // With one trial the two judges agree; 'all' is the strict reading for more trials.
  halfOpenJudge: 'all' as HalfOpenJudge,
  // No limit: a trial's own timeout (an inner timeout policy) is the usual bound.
  halfOpenMaxWaitMs: Infinity,
  // Two clock reads per call are only spent when something needs the duration.
  timeCalls: false,
  // A waiting half-open breaker is work in progress: its timer keeps the process alive like any other.
  unref: false,
  // Every error counts, except a caller's own abort (never the dependency's fault).
  isFailure: ((): boolean => true) as (error: unknown) => boolean,
  // Wall-clock time; inject a ManualClock in tests.
  clock: systemClock as Clock,
};

/** The settings a breaker runs on, after defaults and validation. */
export interface ResolvedOptions {
  name: string | undefined;
  window: WindowOptions;
  failureRateThreshold: number;
  /** Infinity when slow calls are not measured. */
  slowCallMs: number;
  /** Infinity when slow calls are not measured, so the rate check never trips. */
  slowCallRateThreshold: number;
  minimumCalls: number;
  openMs: number | Backoff;
  halfOpenCalls: number;
  halfOpenJudge: HalfOpenJudge;
  /** Infinity when unset. */
  halfOpenMaxWaitMs: number;
  timeCalls: boolean;
  unref: boolean;
  isFailure: (error: unknown) => boolean;
  clock: Clock;
  initialState: CircuitBreakerSnapshot | undefined;
}

/** The largest count window: one byte per call, so 10 million calls are 10 MB. */
export const MAX_COUNT_WINDOW = 10_000_000;

const where = 'circuitBreaker';

function positiveInteger(name: string, value: unknown, max = Infinity): number {
  checkInteger(where, name, value as number, 1, false, max);
  return value as number;
}

/** A share of calls: in (0, 1]. */
function share(name: string, value: unknown): number {
  checkNumber(where, name, value as number, 0, 1, true);
  return value as number;
}

function flag(name: string, value: unknown): boolean {
  checkBoolean(where, name, value);
  return value as boolean;
}

const WINDOW_KINDS: ReadonlyArray<WindowOptions['kind']> = ['consecutive', 'count', 'time'];
const HALF_OPEN_JUDGES: readonly HalfOpenJudge[] = ['all', 'rate'];

function resolveWindow(window: unknown): WindowOptions {
  checkObject(where, 'window', window, "like { kind: 'count', size: 100 }");
  const w = window as { kind?: unknown; failures?: unknown; size?: unknown; ms?: unknown };
  checkOneOf(where, 'window.kind', w.kind, WINDOW_KINDS);
  switch (w.kind) {
    case 'consecutive':
      return { kind: 'consecutive', failures: positiveInteger('window.failures', w.failures) };
    case 'count':
      return { kind: 'count', size: positiveInteger('window.size', w.size, MAX_COUNT_WINDOW) };
    case 'time':
      checkNumber(where, 'window.ms', w.ms as number, 0, Infinity, true);
      return { kind: 'time', ms: w.ms as number };
  }
}

function resolveOpenMs(openMs: unknown): number | Backoff {
  if (typeof openMs === 'number') {
    checkNumber(where, 'openMs', openMs, 0);
    return openMs;
  }
  checkShape(where, 'openMs', openMs, 'a number of milliseconds or a Backoff', ['start']);
  return openMs as Backoff;
}

/** Applies the defaults and checks every option, naming the option and the reason on bad input. */
export function resolveOptions(options: CircuitBreakerOptions = {}): ResolvedOptions {
  checkObject(where, 'options', options);
  const d = CIRCUIT_BREAKER_DEFAULTS;
  const name = options.name;
  if (name !== undefined) checkString(where, 'name', name);

  let slowCallMs = Infinity;
  if (options.slowCallMs !== undefined) {
    checkNumber(where, 'slowCallMs', options.slowCallMs, 0, Infinity, true);
    slowCallMs = options.slowCallMs;
  }
  let slowCallRateThreshold = Infinity;
  if (options.slowCallRateThreshold !== undefined) {
    if (slowCallMs === Infinity) {
      throw new TypeError(`${where}: slowCallRateThreshold needs slowCallMs (which calls are slow?)`);
    }
    slowCallRateThreshold = share('slowCallRateThreshold', options.slowCallRateThreshold);
  } else if (slowCallMs !== Infinity) {
    slowCallRateThreshold = d.slowCallRateThreshold;
  }

  const clock = options.clock ?? d.clock;
  checkShape(where, 'clock', clock, 'a Clock', ['now']);
  const halfOpenJudge = options.halfOpenJudge ?? d.halfOpenJudge;
  checkOneOf(where, 'halfOpenJudge', halfOpenJudge, HALF_OPEN_JUDGES);
  const halfOpenMaxWaitMs = options.halfOpenMaxWaitMs ?? d.halfOpenMaxWaitMs;
  // Infinity (the default) means no limit.
  if (halfOpenMaxWaitMs !== Infinity) checkNumber(where, 'halfOpenMaxWaitMs', halfOpenMaxWaitMs, 0, Infinity, true);
  const timeCalls = flag('timeCalls', options.timeCalls ?? d.timeCalls);
  const unref = flag('unref', options.unref ?? d.unref);
  const isFailure = options.isFailure ?? d.isFailure;
  checkFunction(where, 'isFailure', isFailure);

  return {
    name,
    window: resolveWindow(options.window ?? d.window),
    failureRateThreshold: share('failureRateThreshold', options.failureRateThreshold ?? d.failureRateThreshold),
    slowCallMs,
    slowCallRateThreshold,
    minimumCalls: positiveInteger('minimumCalls', options.minimumCalls ?? d.minimumCalls),
    openMs: resolveOpenMs(options.openMs ?? d.openMs),
    halfOpenCalls: positiveInteger('halfOpenCalls', options.halfOpenCalls ?? d.halfOpenCalls),
    halfOpenJudge,
    halfOpenMaxWaitMs,
    timeCalls,
    unref,
    isFailure,
    clock,
    initialState: options.initialState,
  };
}
