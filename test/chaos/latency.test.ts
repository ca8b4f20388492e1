/** chaos.latency: the wait runs on the injected clock, takes jitter from the seeded source, and ends when the call aborts. */
import { describe, expect, it } from 'vitest';
import { chaos, type LatencyInjected } from '../../src/chaos/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { AbortedError, TimeoutError } from '../../src/core/errors.js';
import { seededRandom } from '../../src/core/random.js';
import { pipeline } from '../../src/policies/pipeline.js';
import { timeout } from '../../src/policies/timeout.js';

describe('chaos.latency', () => {
  it('runs the call only once the delay has passed on the clock', async () => {
    const clock = new ManualClock();
    const policy = chaos.latency({ delayMs: 250, injectionRate: 1, clock });
    let ranAt: number | undefined;
    const call = policy.execute(() => (ranAt = clock.now()));
    await clock.advance(249);
    expect(ranAt).toBeUndefined();
    await clock.advance(1);
    expect(await call).toBe(250);
  });

  it('takes the delay from a function of the call and adds jitter drawn from the seeded source', async () => {
    const clock = new ManualClock();
    // The first draw decides the injection, the second is the jitter.
    const draws = seededRandom(3);
    draws();
    const expectedJitter = draws() * 100;
    const policy = chaos.latency({ delayMs: ({ context }) => context.attempt * 50, jitterMs: 100, injectionRate: 1, random: seededRandom(3), clock });
    const seen: Array<LatencyInjected & { attempt: number }> = [];
    policy.on('injected', (e) => seen.push(e));
    const call = policy.execute(() => clock.now());
    await clock.advance(1_000);
    expect(await call).toBe(50 + expectedJitter);
    expect(seen).toEqual([{ kind: 'latency', delayMs: 50 + expectedJitter, attempt: 1 }]);
  });

  it('ends the wait at once when the caller aborts: the call fails with AbortedError and never runs', async () => {
    const clock = new ManualClock();
    const policy = chaos.latency({ delayMs: 10_000, injectionRate: 1, clock });
    const controller = new AbortController();
    let ran = false;
    const call = policy.execute(() => (ran = true), { signal: controller.signal });
    await clock.advance(100);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(AbortedError);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(20_000);
    expect(ran).toBe(false);
  });

  it('ends the wait at an outer timeout\'s deadline with its TimeoutError', async () => {
    const clock = new ManualClock();
    const policy = pipeline(timeout({ ms: 100, clock }), chaos.latency({ delayMs: 5_000, injectionRate: 1, clock }));
    let ran = false;
    const call = policy.execute(() => (ran = true));
    const settled = call.catch((error: unknown) => error);
    await clock.advance(100);
    expect(await settled).toBeInstanceOf(TimeoutError);
    await clock.advance(10_000);
    expect(ran).toBe(false);
  });

  it('fails the call with a RangeError naming delayMs when the function gives a bad delay', async () => {
    const policy = chaos.latency({ delayMs: () => -1, injectionRate: 1 });
    await expect(policy.execute(() => 1)).rejects.toThrow('chaos.latency: delayMs must be a finite number >= 0, got -1');
  });

  it('refuses a bad delay or jitter when made', () => {
    expect(() => chaos.latency({ delayMs: Number.NaN })).toThrow('chaos.latency: delayMs must be a finite number >= 0, got NaN');
    expect(() => chaos.latency({ delayMs: 1, jitterMs: -5 })).toThrow('chaos.latency: jitterMs must be a finite number >= 0, got -5');
  });
});
