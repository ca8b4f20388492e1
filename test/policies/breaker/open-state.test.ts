import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { BrokenCircuitError } from '../../../src/core/errors.js';
import { backoff } from '../../../src/policies/backoff.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import { failTimes, ok, settled, succeed } from './helpers.js';

function openBreaker(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, clock, ...options });
  return { clock, breaker };
}

describe('open state', () => {
  it('rejects with BrokenCircuitError (CIRCUIT_OPEN) carrying the time left open', async () => {
    const { clock, breaker } = openBreaker({ name: 'binance' });
    await failTimes(breaker);
    await clock.advance(400);
    const error = await settled(breaker.execute(ok));
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 600 });
    expect((error as Error).message).toContain('"binance"');
  });

  it('never calls the function while open', async () => {
    const { clock, breaker } = openBreaker();
    await failTimes(breaker);
    let calls = 0;
    for (let i = 0; i < 5; i++) {
      await settled(breaker.execute(() => (calls++, ok())));
      await clock.advance(100);
    }
    expect(calls).toBe(0);
  });

  it('becomes half-open lazily when the open time is up, with no timer running meanwhile', async () => {
    const { clock, breaker } = openBreaker();
    await failTimes(breaker);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('lets the first call after the open time through as a trial', async () => {
    const { clock, breaker } = openBreaker();
    await failTimes(breaker);
    await clock.advance(1_000);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('counts rejected calls as not permitted', async () => {
    const { breaker } = openBreaker();
    await failTimes(breaker);
    for (let i = 0; i < 3; i++) await settled(breaker.execute(ok));
    expect(breaker.metrics()).toMatchObject({ state: 'open', notPermitted: 3, retryAfterMs: 1_000 });
  });

  it('keeps in the metrics the window that opened it, and since when it is open', async () => {
    const clock = new ManualClock(5_000);
    const breaker = circuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 2, clock });
    await succeed(breaker);
    await clock.advance(10);
    await failTimes(breaker);
    expect(breaker.metrics()).toMatchObject({ state: 'open', since: 5_010, calls: 2, failures: 1, failureRate: 0.5 });
  });

  it('with openMs 0 turns half-open on the next look', async () => {
    const { breaker } = openBreaker({ openMs: 0 });
    await failTimes(breaker);
    expect(breaker.state).toBe('half-open');
  });

  describe('open duration from a Backoff', () => {
    const growing = () => backoff.exponential({ initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 'none' });

    async function reopenAndMeasure(breaker: ReturnType<typeof circuitBreaker>): Promise<number> {
      // The breaker is half-open: a failed trial re-opens it; return how long it stays open.
      await failTimes(breaker);
      return breaker.metrics().retryAfterMs;
    }

    it('grows with each re-open', async () => {
      const { clock, breaker } = openBreaker({ openMs: growing() });
      await failTimes(breaker);
      expect(breaker.metrics().retryAfterMs).toBe(1_000);
      await clock.advance(1_000);
      expect(await reopenAndMeasure(breaker)).toBe(2_000);
      await clock.advance(2_000);
      expect(await reopenAndMeasure(breaker)).toBe(4_000);
      await clock.advance(3_999);
      expect(breaker.state).toBe('open');
      await clock.advance(1);
      expect(breaker.state).toBe('half-open');
    });

    it('starts over after a full close', async () => {
      const { clock, breaker } = openBreaker({ openMs: growing() });
      await failTimes(breaker);
      await clock.advance(1_000);
      await failTimes(breaker); // re-open: 2 s
      await clock.advance(2_000);
      await succeed(breaker); // trial succeeds: closed
      expect(breaker.state).toBe('closed');
      await failTimes(breaker);
      expect(breaker.metrics().retryAfterMs).toBe(1_000);
    });

    it('starts over after reset()', async () => {
      const { clock, breaker } = openBreaker({ openMs: growing() });
      await failTimes(breaker);
      await clock.advance(1_000);
      await failTimes(breaker);
      breaker.reset();
      await failTimes(breaker);
      expect(breaker.metrics().retryAfterMs).toBe(1_000);
    });
  });
});
