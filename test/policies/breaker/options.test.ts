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
    expect(bad({ window: { kind: 'sliding', size: 3 } })).toThrow("circuitBreaker: window.kind must be one of 'consecutive', 'count', 'time', got sliding");
    expect(bad({ window: 'count' })).toThrow(TypeError);
    expect(bad({ window: { kind: 'count', size: 0 } })).toThrow('circuitBreaker: window.size must be an integer >= 1 and <= 10000000, got 0');
    expect(bad({ window: { kind: 'count', size: 2.5 } })).toThrow(RangeError);
    expect(bad({ window: { kind: 'count', size: 20_000_000 } })).toThrow(/window\.size must be an integer >= 1 and <= 10000000, got 20000000/);
    expect(bad({ window: { kind: 'consecutive', failures: -1 } })).toThrow(/window\.failures/);
    expect(bad({ window: { kind: 'time', ms: 0 } })).toThrow('circuitBreaker: window.ms must be a finite number > 0, got 0');
    expect(bad({ failureRateThreshold: 0 })).toThrow('circuitBreaker: failureRateThreshold must be a finite number > 0 and <= 1, got 0');
    expect(bad({ failureRateThreshold: 1.5 })).toThrow(RangeError);
    expect(bad({ slowCallMs: -5 })).toThrow(/slowCallMs must be a finite number > 0/);
    expect(bad({ slowCallRateThreshold: 0.5 })).toThrow(/slowCallRateThreshold needs slowCallMs/);
    expect(bad({ slowCallMs: 10, slowCallRateThreshold: 2 })).toThrow('circuitBreaker: slowCallRateThreshold must be a finite number > 0 and <= 1, got 2');
    expect(bad({ minimumCalls: 0 })).toThrow(/minimumCalls must be an integer/);
    expect(bad({ openMs: -1 })).toThrow('circuitBreaker: openMs must be a finite number >= 0, got -1');
    expect(bad({ openMs: { next: () => 1 } })).toThrow('circuitBreaker: openMs must be a number of milliseconds or a Backoff (with start())');
    expect(bad({ halfOpenCalls: 0 })).toThrow(/halfOpenCalls must be an integer/);
    expect(bad({ isFailure: true })).toThrow(/isFailure must be a function/);
    expect(bad({ clock: {} })).toThrow('circuitBreaker: clock must be a Clock (with now())');
    expect(bad({ name: 7 })).toThrow(/name must be a string/);
    expect(bad({ halfOpenJudge: 'most' })).toThrow("circuitBreaker: halfOpenJudge must be one of 'all', 'rate', got most");
    expect(bad({ halfOpenMaxWaitMs: 0 })).toThrow('circuitBreaker: halfOpenMaxWaitMs must be a finite number > 0, got 0');
    expect(bad({ halfOpenMaxWaitMs: '5s' })).toThrow(RangeError);
    expect(bad({ timeCalls: 1 })).toThrow('circuitBreaker: timeCalls must be a boolean, got number');
    expect(bad({ unref: 'yes' })).toThrow('circuitBreaker: unref must be a boolean, got string');
  });
});
