/**
 * What a recorded call ended as. `timeout` is a failure whose error is a TimeoutError (code
 * `TIMEOUT`), kept apart because the tuning of a timeout depends on it; `rejected` is a call a
 * policy refused without running it (open breaker, full bulkhead, rate limit).
 */
import { isResilienceError } from '../core/errors.js';

export const outcomes = ['success', 'failure', 'timeout', 'rejected'] as const;
export type Outcome = (typeof outcomes)[number];

export type OutcomeCounts = Record<Outcome, number>;

export function zeroCounts(): OutcomeCounts {
  return { success: 0, failure: 0, timeout: 0, rejected: 0 };
}

export function addCounts(into: OutcomeCounts, from: OutcomeCounts): void {
  for (const o of outcomes) into[o] += from[o];
}

export function totalOf(counts: OutcomeCounts): number {
  return counts.success + counts.failure + counts.timeout + counts.rejected;
}

/** Calls the caller saw fail: failures, timeouts and refusals (availability's bad events). */
export function badOf(counts: OutcomeCounts): number {
  return counts.failure + counts.timeout + counts.rejected;
}

/** `timeout` for a TimeoutError, else `failure`. */
export function failureOutcome(error: unknown): 'failure' | 'timeout' {
  return isResilienceError(error) && error.code === 'TIMEOUT' ? 'timeout' : 'failure';
}
