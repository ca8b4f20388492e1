/** Chaos policies composed in pipeline() with the resilience policies, as a user would place them. */
import { describe, expect, it, vi } from 'vitest';
import { chaos } from '../../src/chaos/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { backoff } from '../../src/policies/backoff.js';
import { fallback } from '../../src/policies/fallback.js';
import { pipeline } from '../../src/policies/pipeline.js';
import { retry } from '../../src/policies/retry.js';

describe('chaos in a pipeline', () => {
  it('a fault injected into the first try is retried, and the second try reaches the call', async () => {
    const clock = new ManualClock();
    let n = 0;
    const fault = chaos.fault({ injectionRate: 1, fault: ({ context }) => (context.attempt === 1 ? new Error(`injected into try ${++n}`) : undefined) });
    const injectedInto: number[] = [];
    fault.on('injected', (e) => injectedInto.push(e.attempt));
    const policy = pipeline(retry({ maxAttempts: 3, backoff: backoff.constant(100), clock }), fault);
    const retried: unknown[] = [];
    (policy.policies[0] as ReturnType<typeof retry>).on('retry', (e) => retried.push(e.error));
    const attempts: number[] = [];
    const call = policy.execute((ctx) => (attempts.push(ctx.attempt), 'filled'));
    await clock.advance(100);
    expect(await call).toBe('filled');
    expect(injectedInto).toEqual([1]);
    expect(attempts).toEqual([2]);
    expect((retried[0] as Error).message).toBe('injected into try 1');
  });

  it('with a seeded rate, retry absorbs the faults the seed places but three in a row (seed 42, rate 0.1, 3 tries)', async () => {
    const fault = chaos.fault({ fault: new Error('x'), injectionRate: 0.1, random: seededRandom(42) });
    const policy = pipeline(retry({ maxAttempts: 3, backoff: backoff.constant(0) }), fault);
    let injected = 0;
    fault.on('injected', () => (injected += 1));
    let ok = 0;
    let exhausted = 0;
    for (let i = 0; i < 1_000; i++) {
      await policy.execute(() => 'ok').then(
        () => (ok += 1),
        () => (exhausted += 1),
      );
    }
    expect({ ok, exhausted, injected }).toEqual({ ok: 998, exhausted: 2, injected: 110 });
  });

  it('a disabled chaos policy leaves the pipeline\'s result and tries as they were', async () => {
    const fault = chaos.fault({ fault: new Error('x'), injectionRate: 1, enabled: false });
    const policy = pipeline(retry({ maxAttempts: 2 }), fallback({ value: 'fallback' }), fault);
    const attempts: number[] = [];
    expect(await policy.execute((ctx) => (attempts.push(ctx.attempt), 'real'))).toBe('real');
    expect(attempts).toEqual([1]);
    fault.enable();
    expect(await policy.execute(() => 'real')).toBe('fallback');
  });

  it('several chaos policies stack: behavior runs before latency, whose wait precedes the call', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    const policy = pipeline(
      chaos.behavior({ injectionRate: 1, fn: () => void order.push(`behavior@${clock.now()}`) }),
      chaos.latency({ injectionRate: 1, delayMs: 40, clock }),
    );
    const call = policy.execute(() => order.push(`call@${clock.now()}`));
    await clock.advance(40);
    await call;
    expect(order).toEqual(['behavior@0', 'call@40']);
  });

  it('a disabled chaos policy steps aside: the pipeline does not call it, and calls it again once enabled', async () => {
    const fault = chaos.fault({ fault: new Error('x'), injectionRate: 1, enabled: false });
    const runs = vi.spyOn(fault, 'run');
    const policy = pipeline(retry({ maxAttempts: 1 }), fault);
    expect(fault.passThrough).toBe(true);
    expect(await policy.execute(() => 'real')).toBe('real');
    expect(runs).not.toHaveBeenCalled();
    fault.enable();
    expect(fault.passThrough).toBe(false);
    await expect(policy.execute(() => 'real')).rejects.toThrow('x');
    expect(runs).toHaveBeenCalledTimes(1);
  });

  it('a chaos policy with an `enabled` function does not step aside: the function is asked per call', () => {
    expect(chaos.fault({ fault: new Error('x'), enabled: () => false }).passThrough).toBe(false);
  });
});
