/** The open-duration backoff is handed the error that opened the breaker (cockatiel passes it to its halfOpenAfter backoff too). */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { backoff } from '../../../src/policies/backoff.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { failTimes, settled, succeed, timedCall } from './helpers.js';

class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('429');
  }
}

/** Stays open as long as the exchange asked, else 1 s. */
const honourRetryAfter = backoff.custom((_attempt, error) => (error instanceof RateLimited ? error.retryAfterMs : 1_000));

describe('open duration from the tripping error', () => {
  it('closed -> open: the failure that tripped the window', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 2 }, openMs: honourRetryAfter, clock });
    await failTimes(breaker);
    await settled(breaker.execute(() => Promise.reject(new RateLimited(7_000))));
    expect(breaker.metrics().retryAfterMs).toBe(7_000);
  });

  it('half-open -> open: the failed trial', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: honourRetryAfter, clock });
    await failTimes(breaker);
    expect(breaker.metrics().retryAfterMs).toBe(1_000);
    await clock.advance(1_000);
    await settled(breaker.execute(() => Promise.reject(new RateLimited(4_000))));
    expect(breaker.state).toBe('open');
    expect(breaker.metrics().retryAfterMs).toBe(4_000);
  });

  it('undefined when no error tipped it (a slow success, a manual open)', async () => {
    const clock = new ManualClock();
    const seen: unknown[] = [];
    const breaker = circuitBreaker({
      window: { kind: 'consecutive', failures: 1 },
      slowCallMs: 100,
      openMs: backoff.custom((_attempt, error) => (seen.push(error), 1_000)),
      clock,
    });
    await timedCall(breaker, clock, 150);
    expect(breaker.state).toBe('open');
    breaker.reset();
    breaker.transitionTo('open');
    expect(seen).toEqual([undefined, undefined]);
    await clock.advance(1_000);
    await succeed(breaker);
  });
});
