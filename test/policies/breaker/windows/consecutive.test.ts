import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/clock.js';
import { circuitBreaker } from '../../../../src/policies/breaker/circuit-breaker.js';
import { ConsecutiveWindow } from '../../../../src/policies/breaker/windows/consecutive.js';
import { FAILED, SLOW } from '../../../../src/policies/breaker/windows/window.js';
import { failTimes, succeed, timedCall } from '../helpers.js';

describe('consecutive window', () => {
  it('trips at exactly N failures in a row', () => {
    const window = new ConsecutiveWindow(3);
    expect(window.record(FAILED)).toBeUndefined();
    expect(window.record(FAILED)).toBeUndefined();
    expect(window.record(FAILED)).toBe('consecutive-failures');
  });

  it('a success resets the run of failures', () => {
    const window = new ConsecutiveWindow(3);
    window.record(FAILED);
    window.record(FAILED);
    window.record(0);
    window.record(FAILED);
    expect(window.record(FAILED)).toBeUndefined();
    expect(window.totals()).toEqual({ calls: 5, failures: 4, slowCalls: 0, consecutiveFailures: 2, consecutiveSlowCalls: 0 });
  });

  it('trips at N slow calls in a row; a fast call resets that run', () => {
    const window = new ConsecutiveWindow(2);
    window.record(SLOW);
    window.record(0);
    expect(window.record(SLOW)).toBeUndefined();
    expect(window.record(SLOW)).toBe('consecutive-slow-calls');
  });

  it('opens the breaker on the Nth consecutive failure and ignores minimumCalls', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 3 }, minimumCalls: 50, clock: new ManualClock() });
    await failTimes(breaker, 2);
    await succeed(breaker);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics().consecutiveFailures).toBe(2);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('opens the breaker on N consecutive slow calls when slowCallMs is set', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 2 }, slowCallMs: 100, clock });
    await timedCall(breaker, clock, 150);
    expect(breaker.state).toBe('closed');
    await timedCall(breaker, clock, 150);
    expect(breaker.state).toBe('open');
  });

  it('clear() forgets everything', () => {
    const window = new ConsecutiveWindow(3);
    window.record(FAILED | SLOW);
    window.clear();
    expect(window.totals()).toEqual({ calls: 0, failures: 0, slowCalls: 0, consecutiveFailures: 0, consecutiveSlowCalls: 0 });
  });
});
