import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  BrokenCircuitError,
  BulkheadFullError,
  IsolatedCircuitError,
  RateLimitedError,
  ResilienceError,
  TimeoutError,
  abortedFrom,
  isResilienceError,
  retryAfterOf,
} from '../../src/core/errors.js';

describe('errors', () => {
  it('carry the stable codes of the contract and extend ResilienceError', () => {
    const cases: Array<[ResilienceError, string, string]> = [
      [new BrokenCircuitError(undefined, 500), 'CIRCUIT_OPEN', 'BrokenCircuitError'],
      [new IsolatedCircuitError(), 'CIRCUIT_ISOLATED', 'IsolatedCircuitError'],
      [new TimeoutError(100), 'TIMEOUT', 'TimeoutError'],
      [new BulkheadFullError(), 'BULKHEAD_FULL', 'BulkheadFullError'],
      [new RateLimitedError(250), 'RATE_LIMITED', 'RateLimitedError'],
      [new AbortedError(), 'ABORTED', 'AbortError'], // as fetch users check `error.name`
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(ResilienceError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(isResilienceError(error)).toBe(true);
    }
    expect(isResilienceError(new Error('x'))).toBe(false);
  });

  it('retryAfterOf reads the hint from ours and from user errors, ignoring junk', () => {
    expect(retryAfterOf(new RateLimitedError(250))).toBe(250);
    expect(retryAfterOf(new BrokenCircuitError('open', 1_000))).toBe(1_000);
    expect(retryAfterOf(Object.assign(new Error('429'), { retryAfterMs: 3_000 }))).toBe(3_000);
    expect(retryAfterOf(Object.assign(new Error('x'), { retryAfterMs: 'soon' }))).toBeUndefined();
    expect(retryAfterOf(Object.assign(new Error('x'), { retryAfterMs: -5 }))).toBeUndefined();
    expect(retryAfterOf('string error')).toBeUndefined();
    expect(retryAfterOf(null)).toBeUndefined();
  });

  it('abortedFrom passes our own reason through and wraps any other', () => {
    const timeout = new TimeoutError(10);
    const a = new AbortController();
    a.abort(timeout);
    expect(abortedFrom(a.signal)).toBe(timeout);
    const b = new AbortController();
    b.abort('bye');
    const wrapped = abortedFrom(b.signal);
    expect(wrapped).toBeInstanceOf(AbortedError);
    expect(wrapped.cause).toBe('bye');
  });
});
