/**
 * Policy settings to replay: checked (each error names the setting and the reason) and built
 * into the real policies, outermost first: retry(breaker(timeout(request))).
 */
import type { Clock } from '../../core/clock.js';
import { checkInteger, checkNumber, checkObject } from '../../core/option-checks.js';
import type { Policy } from '../../core/policy.js';
import { retryBudget as rollingRetryBudget } from '../../limits/retry-budget.js';
import { backoff } from '../../policies/backoff.js';
import { CircuitBreaker, circuitBreaker } from '../../policies/breaker/circuit-breaker.js';
import { retry } from '../../policies/retry.js';
import { timeout } from '../../policies/timeout.js';
import type { PolicySettings } from './types.js';

const where = 'replay';

/** Checks the settings; throws naming the setting (`retry.maxAttempts`) and the reason. */
export function checkSettings(settings: PolicySettings): void {
  checkObject(where, 'settings', settings);
  if (settings.timeout) {
    checkObject(where, 'timeout', settings.timeout, 'like { ms: 2000 }');
    checkNumber(where, 'timeout.ms', settings.timeout.ms, 0, Infinity, true);
  }
  const r = settings.retry;
  if (r) {
    checkObject(where, 'retry', r, 'like { maxAttempts: 3 }');
    checkInteger(where, 'retry.maxAttempts', r.maxAttempts, 1);
    if (r.backoff) {
      checkObject(where, 'retry.backoff', r.backoff, 'like { initialMs: 100, maxMs: 30000 }');
      checkNumber(where, 'retry.backoff.initialMs', r.backoff.initialMs, 0);
      checkNumber(where, 'retry.backoff.maxMs', r.backoff.maxMs, 0);
    }
    if (r.retryBudget) {
      checkObject(where, 'retry.retryBudget', r.retryBudget, 'like { ratio: 0.2, minRetriesPerSecond: 10 }');
      checkNumber(where, 'retry.retryBudget.ratio', r.retryBudget.ratio, 0, 1);
      checkNumber(where, 'retry.retryBudget.minRetriesPerSecond', r.retryBudget.minRetriesPerSecond, 0);
      if (r.retryBudget.windowMs !== undefined) checkNumber(where, 'retry.retryBudget.windowMs', r.retryBudget.windowMs, 0, Infinity, true);
    }
  }
  const b = settings.breaker;
  if (b) {
    checkObject(where, 'breaker', b, 'like { failureRateThreshold: 0.5, minimumCalls: 20, openMs: 30000 }');
    checkNumber(where, 'breaker.failureRateThreshold', b.failureRateThreshold, 0, 1, true);
    checkInteger(where, 'breaker.minimumCalls', b.minimumCalls, 1);
    checkNumber(where, 'breaker.openMs', b.openMs, 0);
  }
}

export interface BuiltPolicies {
  /** The layers, outermost first (empty: the request runs bare). */
  layers: Policy[];
  breaker: CircuitBreaker | undefined;
}

/** The real policies the settings describe, on `clock`, drawing jitter from `random`. */
export function buildPolicies(settings: PolicySettings, clock: Clock, random: () => number): BuiltPolicies {
  const layers: Policy[] = [];
  const r = settings.retry;
  if (r) {
    const budget = r.retryBudget ? rollingRetryBudget({ ratio: r.retryBudget.ratio, minRetriesPerSecond: r.retryBudget.minRetriesPerSecond, windowMs: r.retryBudget.windowMs, clock }) : undefined;
    layers.push(
      retry({
        maxAttempts: r.maxAttempts,
        backoff: backoff.exponential({ initialMs: r.backoff?.initialMs, maxMs: r.backoff?.maxMs, random }),
        retryBudget: budget,
        rethrowLastError: true,
        clock,
      }),
    );
  }
  let breaker: CircuitBreaker | undefined;
  const b = settings.breaker;
  if (b) {
    // The breaker's own checks word the rest (window) and name it.
    breaker = circuitBreaker({ name: 'replay', failureRateThreshold: b.failureRateThreshold, minimumCalls: b.minimumCalls, openMs: b.openMs, window: b.window, clock });
    layers.push(breaker);
  }
  if (settings.timeout) layers.push(timeout({ ms: settings.timeout.ms, clock }));
  return { layers, breaker };
}
