import { describe, expect, it } from 'vitest';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { type CircuitBreakerOptions, CIRCUIT_BREAKER_DEFAULTS, resolveOptions } from '../../../src/policies/breaker/options.js';

const bad = (options: unknown): (() => unknown) => () => circuitBreaker(options as CircuitBreakerOptions);

describe('circuit breaker options', () => {
  it('defaults to a count window of 100, rate 0.5, 20 minimum calls, 30 s open, one trial', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({
      window: { kind: 'count', size: 100 },
      failureRateThreshold: 0.5,
      minimumCalls: 20,
      openMs: 30_000,
      halfOpenCalls: 1,
      slowCallMs: Infinity,
      slowCallRateThreshold: Infinity,
      halfOpenJudge: 'all',
      halfOpenMaxWaitMs: Infinity,
      timeCalls: false,
      unref: false,
    });
    expect(CIRCUIT_BREAKER_DEFAULTS.clock.now()).toBeGreaterThan(0);
  });

  it('uses a slow-call rate threshold of 1 when only slowCallMs is given', () => {
    expect(resolveOptions({ slowCallMs: 500 })).toMatchObject({ slowCallMs: 500, slowCallRateThreshold: 1 });
  });

  it('rejects bad input with an error naming the option and the reason', () => {
    expect(bad({ window: { kind: 'sliding', size: 3 } })).toThrow(/window\.kind must be 'consecutive', 'count' or 'time'/);
    expect(bad({ window: 'count' })).toThrow(TypeError);
    expect(bad({ window: { kind: 'count', size: 0 } })).toThrow(/window\.size must be an integer from 1/);
    expect(bad({ window: { kind: 'count', size: 2.5 } })).toThrow(RangeError);
    expect(bad({ window: { kind: 'count', size: 20_000_000 } })).toThrow(/window\.size must be an integer from 1 to 10000000/);
    expect(bad({ window: { kind: 'consecutive', failures: -1 } })).toThrow(/window\.failures/);
    expect(bad({ window: { kind: 'time', ms: 0 } })).toThrow(/window\.ms must be a finite number > 0/);
    expect(bad({ failureRateThreshold: 0 })).toThrow(/failureRateThreshold must be a share in \(0, 1\]/);
    expect(bad({ failureRateThreshold: 1.5 })).toThrow(RangeError);
    expect(bad({ slowCallMs: -5 })).toThrow(/slowCallMs must be a finite number > 0/);
    expect(bad({ slowCallRateThreshold: 0.5 })).toThrow(/slowCallRateThreshold needs slowCallMs/);
    expect(bad({ slowCallMs: 10, slowCallRateThreshold: 2 })).toThrow(/slowCallRateThreshold must be a share/);
    expect(bad({ minimumCalls: 0 })).toThrow(/minimumCalls must be an integer/);
    expect(bad({ openMs: -1 })).toThrow(/openMs must be a finite number >= 0 or a Backoff/);
    expect(bad({ openMs: { next: () => 1 } })).toThrow(/openMs must be a number of milliseconds or a Backoff/);
    expect(bad({ halfOpenCalls: 0 })).toThrow(/halfOpenCalls must be an integer/);
    expect(bad({ isFailure: true })).toThrow(/isFailure must be a function/);
    expect(bad({ clock: {} })).toThrow(/clock must be a Clock/);
    expect(bad({ name: 7 })).toThrow(/name must be a string/);
    expect(bad({ halfOpenJudge: 'most' })).toThrow(/halfOpenJudge must be 'all' or 'rate', got most/);
    expect(bad({ halfOpenMaxWaitMs: 0 })).toThrow(/halfOpenMaxWaitMs must be a number of milliseconds > 0, got 0/);
    expect(bad({ halfOpenMaxWaitMs: '5s' })).toThrow(RangeError);
    expect(bad({ timeCalls: 1 })).toThrow(/timeCalls must be true or false, got 1/);
    expect(bad({ unref: 'yes' })).toThrow(/unref must be true or false/);
  });
});
