/** The longest a breaker stays half-open (`halfOpenMaxWaitMs`, resilience4j's maxWaitDurationInHalfOpenState). */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import type { StateChange } from '../../../src/policies/breaker/state-machine.js';
import { failTimes, flush, pendingCall, succeed } from './helpers.js';

async function halfOpenBreaker(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, halfOpenMaxWaitMs: 500, clock, ...options });
  await failTimes(breaker);
  await clock.advance(1_000);
  expect(breaker.state).toBe('half-open');
  const changes: StateChange[] = [];
  breaker.on('stateChange', (c) => changes.push(c));
  return { clock, breaker, changes };
}

describe('half-open maximum wait', () => {
  it('re-opens when no trial has finished in time (a hung trial), and the late trial counts for nothing', async () => {
    const { clock, breaker, changes } = await halfOpenBreaker();
    const hung = pendingCall(breaker);
    await clock.advance(499);
    expect(breaker.state).toBe('half-open');
    await clock.advance(1);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([{ from: 'half-open', to: 'open', reason: 'half-open-timeout', at: 1_500 }]);
    expect(breaker.metrics().retryAfterMs).toBe(1_000);
    hung.resolve();
    await hung.call;
    expect(breaker.state).toBe('open');
  });

  it('re-opens when no call came at all', async () => {
    const { clock, breaker } = await halfOpenBreaker();
    await clock.advance(500);
    expect(breaker.state).toBe('open');
  });

  it("'all': closes on the trials finished so far when they all succeeded", async () => {
    const { clock, breaker, changes } = await halfOpenBreaker({ halfOpenCalls: 3 });
    await succeed(breaker);
    const hung = pendingCall(breaker);
    await clock.advance(500);
    expect(breaker.state).toBe('closed');
    expect(changes.map((c) => c.reason)).toEqual(['half-open-timeout']);
    hung.resolve();
    await hung.call;
  });

  it("'rate': judges the finished trials' rate (1 failure of 2 at threshold 0.5 re-opens; 1 of 3 closes)", async () => {
    const reopened = await halfOpenBreaker({ halfOpenCalls: 4, halfOpenJudge: 'rate', failureRateThreshold: 0.5 });
    await succeed(reopened.breaker);
    await failTimes(reopened.breaker);
    await reopened.clock.advance(500);
    expect(reopened.breaker.state).toBe('open');

    const closed = await halfOpenBreaker({ halfOpenCalls: 4, halfOpenJudge: 'rate', failureRateThreshold: 0.5 });
    await succeed(closed.breaker, 2);
    await failTimes(closed.breaker);
    await closed.clock.advance(500);
    expect(closed.breaker.state).toBe('closed');
  });

  it('the timer is cancelled when the trials decide first, and armed again on the next half-open', async () => {
    const { clock, breaker } = await halfOpenBreaker();
    expect(clock.pendingTimers).toBe(1);
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker);
    expect(clock.pendingTimers).toBe(0); // open: still no timer
    await clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    expect(clock.pendingTimers).toBe(1);
  });

  it('a reset during half-open stops the wait', async () => {
    const { clock, breaker, changes } = await halfOpenBreaker();
    breaker.reset();
    await clock.advance(500);
    await flush();
    expect(breaker.state).toBe('closed');
    expect(changes.map((c) => c.reason)).toEqual(['reset']);
  });

  it('a breaker restored half-open waits what is left of its maximum', async () => {
    const { clock, breaker } = await halfOpenBreaker();
    await clock.advance(200);
    const restored = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, halfOpenMaxWaitMs: 500, clock, initialState: breaker.snapshot() });
    expect(restored.state).toBe('half-open');
    await clock.advance(299);
    expect(restored.state).toBe('half-open');
    await clock.advance(1);
    expect(restored.state).toBe('open');
  });

  it('unref: the system clock timer does not keep the process alive', async () => {
    const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 0, halfOpenMaxWaitMs: 60_000, unref: true });
    await failTimes(breaker);
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(breaker.state).toBe('half-open');
    // An unref'd timer is not listed among the resources that keep the event loop alive.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    breaker.reset();

    const held = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 0, halfOpenMaxWaitMs: 60_000 });
    await failTimes(held);
    expect(held.state).toBe('half-open');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before + 1);
    held.reset();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });
});
