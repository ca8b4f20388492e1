/** Call durations in `metrics()`: timed calls, their total and their average. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { failTimes, settled, succeed, timedCall } from './helpers.js';

describe('call duration metrics', () => {
  it('with timeCalls: totals and averages every finished call, failed ones included', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ timeCalls: true, clock });
    await timedCall(breaker, clock, 10);
    await timedCall(breaker, clock, 30, true);
    await timedCall(breaker, clock, 50);
    expect(breaker.metrics()).toMatchObject({ timedCalls: 3, totalDurationMs: 90, averageDurationMs: 30 });
  });

  it('0 and an average of 0 when nothing times the calls (the cheap path)', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock });
    await timedCall(breaker, clock, 10);
    expect(breaker.metrics()).toMatchObject({ timedCalls: 0, totalDurationMs: 0, averageDurationMs: 0 });
  });

  it('times calls when slow calls are measured, without timeCalls', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ slowCallMs: 1_000, clock });
    await timedCall(breaker, clock, 20);
    expect(breaker.metrics()).toMatchObject({ timedCalls: 1, totalDurationMs: 20 });
  });

  it('counts half-open trials; not rejected calls, nor ignored errors', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 100, timeCalls: true, isFailure: (e) => e !== 'ignored', clock });
    await timedCall(breaker, clock, 10, true); // opens
    await settled(breaker.execute(() => 'never')); // rejected
    await clock.advance(100);
    await settled(breaker.execute(() => Promise.reject('ignored'))); // ignored trial
    await timedCall(breaker, clock, 40); // the trial that closes
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics()).toMatchObject({ timedCalls: 2, totalDurationMs: 50, averageDurationMs: 25 });
  });

  it('reset() starts the totals afresh; a snapshot carries them', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ timeCalls: true, clock });
    await timedCall(breaker, clock, 10);
    const restored = circuitBreaker({ timeCalls: true, clock, initialState: JSON.parse(JSON.stringify(breaker.snapshot())) });
    expect(restored.metrics()).toMatchObject({ timedCalls: 1, totalDurationMs: 10 });
    breaker.reset();
    expect(breaker.metrics()).toMatchObject({ timedCalls: 0, totalDurationMs: 0, averageDurationMs: 0 });
    await succeed(breaker);
    await failTimes(breaker);
    expect(breaker.metrics().timedCalls).toBe(2);
  });
});
