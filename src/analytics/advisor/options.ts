/** The tuning advisor's options and their defaults, written once, each with its reason. */
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { BETTER_DEFAULTS } from './better.js';
import { checkFunction, checkInteger, checkNumber, checkObject } from '../../core/option-checks.js';

export interface AdvisorOptions {
  /** The latency quantile a timeout must cover, in (0, 1). */
  timeoutQuantile?: number;
  /** The timeout is the quantile's latency times this margin (> 1). */
  timeoutMargin?: number;
  /** A timeout within this share of the proposal is kept as it is (no churn over small differences). */
  timeoutTolerance?: number;
  /** The least timeout ever proposed (ms), whatever the latency. */
  minTimeoutMs?: number;
  /**
   * Per dependency kind (the part of the name after its last `:`, e.g. `orders` in
   * `binance:orders`), the exchange's documented limit a timeout is never proposed below (ms).
   */
  timeoutFloorsMs?: Readonly<Record<string, number>>;
  /** Calls (that ran) needed before a rule judges a dependency. */
  minCalls?: number;
  /** The breaker trips at this multiple of the baseline error rate at least. */
  breakerErrorMultiple?: number;
  /** Bounds of a proposed failure-rate threshold. */
  minFailureRateThreshold?: number;
  maxFailureRateThreshold?: number;
  /** A breaker's minimum calls is the traffic of this long (ms) ... */
  breakerJudgeMs?: number;
  /** ... bounded by these. */
  minBreakerCalls?: number;
  maxBreakerCalls?: number;
  /** A call may fail after all its tries at most this often (independent failures at the baseline rate). */
  retryTargetFailureRate?: number;
  /** Tries in all are never proposed above this. */
  maxRetryAttempts?: number;
  /** The retry budget proposed when there is none: retries at most this share of requests ... */
  retryBudgetRatio?: number;
  /** ... plus this floor per second. */
  retryBudgetMinPerSecond?: number;
  /** Rate-limit headroom: the share of a weight budget the peak should stay under. */
  headroomTarget?: number;
  /** A replay's extra failed calls accepted for a gain, as a share of the calls (better.ts). */
  maxExtraFailedShare?: number;
  /** The least gain a replay must show, as a share of the current figure (better.ts). */
  minGain?: number;
  /** A dependency with more calls in the range is replayed over a window of it this many calls wide, centred on its worst bucket. */
  maxReplayCalls?: number;
  /** Seed of the replays' randomness (both settings replay with the same draws). */
  seed?: number;
  clock?: Clock;
}

export const ADVISOR_DEFAULTS = {
  timeoutQuantile: 0.999, // p99.9: one slow success in a thousand is still waited for
  timeoutMargin: 1.5, // headroom over the quantile for a slower day than the recorded one
  timeoutTolerance: 0.25, // within 25% of the proposal the current timeout is fine as it is
  minTimeoutMs: 100, // below this a timeout trips on scheduling noise, not on the dependency
  // Binance's signed requests stay valid for recvWindow (5,000 ms unless set): an order call given up
  // earlier may still execute, leaving an ambiguous order to look up.
  timeoutFloorsMs: { orders: 5_000 } as Readonly<Record<string, number>>,
  minCalls: 200, // fewer calls say little about a p99.9 or a rate
  breakerErrorMultiple: 4, // an ordinary bucket's errors times 4: a real outage, not a bad minute
  minFailureRateThreshold: 0.2, // a lower threshold trips on a few unlucky calls
  maxFailureRateThreshold: 0.9, // a higher one never trips before everything fails
  breakerJudgeMs: 10_000, // the breaker judges on about 10 s of traffic: it opens within seconds of an outage
  minBreakerCalls: 10, // fewer calls make a rate of noise
  maxBreakerCalls: 100, // the circuitBreaker's default window size: more would never fill it
  retryTargetFailureRate: 1e-4, // one call in 10,000 lost to a transient error after all its tries
  maxRetryAttempts: 5, // more tries only stack latency on a dependency that is down
  retryBudgetRatio: 0.2, // the retryBudget default: retries add at most 20% load
  retryBudgetMinPerSecond: 1, // a quiet dependency may still retry once a second
  headroomTarget: 0.8, // peak weight under 80% of the limit leaves room for a burst and the other processes
  maxExtraFailedShare: BETTER_DEFAULTS.maxExtraFailedShare, // better.ts: one call in 200, stated in the reasons
  minGain: BETTER_DEFAULTS.minGain, // better.ts: 10%, past a reconstructed trace's noise
  maxReplayCalls: 200_000, // bounds a replay's time and memory (every call is held); the worst outage stays in the window
  seed: 17, // any fixed seed: the advice is repeatable
  clock: systemClock as Clock, // wall time: the range ends now
};

export type ResolvedAdvisorOptions = typeof ADVISOR_DEFAULTS;

export function resolveAdvisorOptions(options: AdvisorOptions = {}): ResolvedAdvisorOptions {
  const o = { ...ADVISOR_DEFAULTS, ...options };
  const c = 'tuningAdvisor';
  checkNumber(c, 'timeoutQuantile', o.timeoutQuantile, 0, 1, true);
  if (o.timeoutQuantile >= 1) throw new RangeError(`${c}: timeoutQuantile must be less than 1, got ${o.timeoutQuantile}`);
  checkNumber(c, 'timeoutMargin', o.timeoutMargin, 1);
  checkNumber(c, 'timeoutTolerance', o.timeoutTolerance, 0, 1);
  checkNumber(c, 'minTimeoutMs', o.minTimeoutMs, 0, Infinity, true);
  checkObject(c, 'timeoutFloorsMs', o.timeoutFloorsMs);
  for (const [kind, floor] of Object.entries(o.timeoutFloorsMs)) checkNumber(c, `timeoutFloorsMs.${kind}`, floor, 0);
  checkInteger(c, 'minCalls', o.minCalls, 1);
  checkNumber(c, 'breakerErrorMultiple', o.breakerErrorMultiple, 1);
  checkNumber(c, 'minFailureRateThreshold', o.minFailureRateThreshold, 0, 1, true);
  checkNumber(c, 'maxFailureRateThreshold', o.maxFailureRateThreshold, o.minFailureRateThreshold, 1);
  checkNumber(c, 'breakerJudgeMs', o.breakerJudgeMs, 0, Infinity, true);
  checkInteger(c, 'minBreakerCalls', o.minBreakerCalls, 1);
  checkInteger(c, 'maxBreakerCalls', o.maxBreakerCalls, o.minBreakerCalls);
  checkNumber(c, 'retryTargetFailureRate', o.retryTargetFailureRate, 0, 1, true);
  checkInteger(c, 'maxRetryAttempts', o.maxRetryAttempts, 1);
  checkNumber(c, 'retryBudgetRatio', o.retryBudgetRatio, 0, 1);
  checkNumber(c, 'retryBudgetMinPerSecond', o.retryBudgetMinPerSecond, 0);
  checkNumber(c, 'headroomTarget', o.headroomTarget, 0, 1, true);
  checkNumber(c, 'maxExtraFailedShare', o.maxExtraFailedShare, 0, 1);
  checkNumber(c, 'minGain', o.minGain, 0, 1);
  checkInteger(c, 'maxReplayCalls', o.maxReplayCalls, 1);
  checkInteger(c, 'seed', o.seed, 0);
  checkFunction(c, 'clock.now', o.clock?.now);
  return o;
}
