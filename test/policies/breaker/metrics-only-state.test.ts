/** The forced `metrics-only` state: calls are recorded and judged, reported, but the breaker never opens. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import type { ThresholdExceededEvent } from '../../../src/policies/breaker/events.js';
import { failTimes, ok, succeed, timedCall } from './helpers.js';

function metricsOnlyBreaker(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ window: { kind: 'count', size: 4 }, minimumCalls: 2, openMs: 1_000, clock, ...options });
  breaker.transitionTo('metrics-only');
  const exceeded: ThresholdExceededEvent[] = [];
  breaker.on('thresholdExceeded', (e) => exceeded.push(e));
  return { clock, breaker, exceeded };
}

describe('metrics-only state', () => {
  it('never opens and never rejects, past any threshold', async () => {
    const { breaker } = metricsOnlyBreaker();
    await failTimes(breaker, 8);
    expect(breaker.state).toBe('metrics-only');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.metrics()).toMatchObject({ notPermitted: 0, failures: 3, calls: 4 });
  });

  it('reports thresholdExceeded once when the judgement turns, not on every call', async () => {
    const { breaker, exceeded } = metricsOnlyBreaker();
    await failTimes(breaker, 5);
    expect(exceeded).toEqual([{ reason: 'failure-rate', state: 'metrics-only', failureRate: 1, slowCallRate: 0, at: 0 }]);
  });

  it('reports again after the rate went back under the threshold and over it again', async () => {
    const { breaker, exceeded } = metricsOnlyBreaker();
    await failTimes(breaker, 2);
    await succeed(breaker, 4); // window of 4: all successes now
    await failTimes(breaker, 2);
    expect(exceeded.map((e) => e.reason)).toEqual(['failure-rate', 'failure-rate']);
  });

  it('tells a slow-call-rate judgement from a failure-rate one', async () => {
    const { clock, breaker, exceeded } = metricsOnlyBreaker({ slowCallMs: 100, slowCallRateThreshold: 0.5 });
    await timedCall(breaker, clock, 150);
    await timedCall(breaker, clock, 150);
    expect(exceeded.map((e) => [e.reason, e.slowCallRate])).toEqual([['slow-call-rate', 1]]);
  });

  it('from metrics-only to closed starts with an empty window', async () => {
    const { breaker } = metricsOnlyBreaker();
    await failTimes(breaker, 3);
    breaker.transitionTo('closed');
    expect(breaker.metrics()).toMatchObject({ state: 'closed', calls: 0 });
    await failTimes(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('the fleet hooks leave it alone', () => {
    const { breaker } = metricsOnlyBreaker();
    expect(breaker.forceOpen(1_000)).toBe(false);
    expect(breaker.forceClose()).toBe(false);
    expect(breaker.state).toBe('metrics-only');
  });
});
