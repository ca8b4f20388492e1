import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { BrokenCircuitError } from '../../../src/core/errors.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../../src/policies/breaker/options.js';
import { failTimes, flush, ok, pendingCall, settled, succeed, timedCall } from './helpers.js';

async function halfOpenBreaker(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, clock, ...options });
  await failTimes(breaker);
  await clock.advance(1_000);
  expect(breaker.state).toBe('half-open');
  return { clock, breaker };
}

describe('half-open state', () => {
  it('lets one trial through and rejects other calls while it runs', async () => {
    const { breaker } = await halfOpenBreaker();
    const trial = pendingCall(breaker);
    expect(trial.started).toBe(true);
    const extra = pendingCall(breaker);
    expect(extra.started).toBe(false);
    const error = await extra.call;
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 0 });
    expect(breaker.metrics().notPermitted).toBe(1);
    trial.resolve();
    expect(await trial.call).toBe('ok');
  });

  it('closes when the trial succeeds, with an empty window', async () => {
    const { breaker } = await halfOpenBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 1 });
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
    expect(breaker.metrics()).toMatchObject({ calls: 0, failures: 0 });
  });

  it('re-opens when the trial fails', async () => {
    const { breaker } = await halfOpenBreaker();
    await failTimes(breaker);
    expect(breaker.state).toBe('open');
    expect(breaker.metrics().retryAfterMs).toBe(1_000);
  });

  it('re-opens when the trial succeeds but is slow', async () => {
    const { clock, breaker } = await halfOpenBreaker({ slowCallMs: 100 });
    const reasons: string[] = [];
    breaker.on('stateChange', (c) => reasons.push(c.reason));
    expect(await timedCall(breaker, clock, 150)).toBe('ok');
    expect(breaker.state).toBe('open');
    expect(reasons).toEqual(['trial-slow']);
  });

  describe('with halfOpenCalls: 3', () => {
    it('admits three trials and rejects the fourth', async () => {
      const { breaker } = await halfOpenBreaker({ halfOpenCalls: 3 });
      const trials = [pendingCall(breaker), pendingCall(breaker), pendingCall(breaker)];
      expect(trials.every((t) => t.started)).toBe(true);
      const fourth = pendingCall(breaker);
      expect(fourth.started).toBe(false);
      expect(await fourth.call).toBeInstanceOf(BrokenCircuitError);
      trials.forEach((t) => t.resolve());
      await Promise.all(trials.map((t) => t.call));
    });

    it('closes only when all three trials have succeeded', async () => {
      const { breaker } = await halfOpenBreaker({ halfOpenCalls: 3 });
      const trials = [pendingCall(breaker), pendingCall(breaker), pendingCall(breaker)];
      trials[0]!.resolve();
      trials[1]!.resolve();
      await flush();
      expect(breaker.state).toBe('half-open');
      trials[2]!.resolve();
      await flush();
      expect(breaker.state).toBe('closed');
    });

    it('re-opens on the first failed trial; later successes do not close it', async () => {
      const { breaker } = await halfOpenBreaker({ halfOpenCalls: 3 });
      const trials = [pendingCall(breaker), pendingCall(breaker), pendingCall(breaker)];
      trials[0]!.resolve();
      trials[1]!.reject();
      await flush();
      expect(breaker.state).toBe('open');
      trials[2]!.resolve();
      await flush();
      expect(breaker.state).toBe('open');
    });

    it('also admits trials one after another, three in all', async () => {
      const { breaker } = await halfOpenBreaker({ halfOpenCalls: 3 });
      await succeed(breaker, 2);
      expect(breaker.state).toBe('half-open');
      await succeed(breaker);
      expect(breaker.state).toBe('closed');
    });
  });

  it('frees the slot of a trial whose error is ignored, so another trial can go', async () => {
    class Ignored extends Error {}
    const { breaker } = await halfOpenBreaker({ isFailure: (e) => !(e instanceof Ignored) });
    await settled(breaker.execute(() => Promise.reject(new Ignored())));
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('does not count a call admitted while closed that finishes during half-open as a trial', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ window: { kind: 'count', size: 4 }, minimumCalls: 2, openMs: 1_000, clock });
    const slowFromClosed = pendingCall(breaker);
    await failTimes(breaker, 2); // 2 of 2 failed: open
    expect(breaker.state).toBe('open');
    await clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    slowFromClosed.resolve();
    await flush();
    expect(breaker.state).toBe('half-open');
    // The trial slot is still free.
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('does not count a trial that ends after the breaker was reset', async () => {
    const { breaker } = await halfOpenBreaker({ window: { kind: 'consecutive', failures: 1 } });
    const trial = pendingCall(breaker);
    breaker.reset();
    trial.reject();
    await flush();
    expect(breaker.state).toBe('closed');
  });
});
