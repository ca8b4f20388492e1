import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { circuitBreaker } from '../../src/policies/breaker/index.js';
import { dependencyStats } from '../../src/observe/dependency-tiles.js';

async function call(clock: ManualClock, breaker: ReturnType<typeof circuitBreaker>, ms: number, fail = false): Promise<void> {
  await breaker
    .execute(async () => {
      if (ms > 0) await clock.sleep(ms);
      if (fail) throw new Error('boom');
    })
    .catch(() => undefined);
}

describe('dependencyStats', () => {
  it('reports rate, error %, rejections and latency percentiles over the rolling window', async () => {
    const clock = new ManualClock(0);
    const breaker = circuitBreaker({ name: 'exchange', clock, window: { kind: 'consecutive', failures: 3 } });
    const stats = dependencyStats(breaker, { clock, windowMs: 10_000, bucketMs: 1_000 });
    for (const ms of [10, 20, 30, 40]) {
      const p = call(clock, breaker, ms);
      await clock.advance(ms);
      await p;
    }
    const failing = call(clock, breaker, 50, true);
    await clock.advance(50);
    await failing;
    const tile = stats.tile();
    expect(tile).toMatchObject({ name: 'exchange', state: 'closed', calls: 5, failures: 1, rejected: 0, errorPercent: 20, requestRate: 0.5, saturation: null });
    expect(tile.p50Ms).toBe(30);
    expect(tile.p99Ms).toBe(50);
  });

  it('counts rejected calls as errors and shows the breaker state', async () => {
    const clock = new ManualClock(0);
    const breaker = circuitBreaker({ name: 'db', clock, window: { kind: 'consecutive', failures: 1 } });
    const stats = dependencyStats(breaker, { clock, saturation: () => 0.25 });
    await call(clock, breaker, 0, true);
    await call(clock, breaker, 0);
    expect(stats.tile()).toMatchObject({ state: 'open', calls: 2, failures: 1, rejected: 1, errorPercent: 100, saturation: 0.25 });
  });

  it('forgets calls older than the window', async () => {
    const clock = new ManualClock(0);
    const breaker = circuitBreaker({ name: 'x', clock });
    const stats = dependencyStats(breaker, { clock, windowMs: 3_000, bucketMs: 1_000 });
    await call(clock, breaker, 0);
    await clock.advance(2_500);
    await call(clock, breaker, 0);
    expect(stats.tile().calls).toBe(2);
    await clock.advance(1_000);
    expect(stats.tile().calls).toBe(1);
    await clock.advance(2_000);
    expect(stats.tile()).toMatchObject({ calls: 0, p50Ms: null, p99Ms: null, errorPercent: 0 });
  });

  it('stops listening on close', async () => {
    const clock = new ManualClock(0);
    const breaker = circuitBreaker({ name: 'x', clock });
    const stats = dependencyStats(breaker, { clock });
    stats.close();
    await call(clock, breaker, 0);
    expect(stats.tile().calls).toBe(0);
  });

  it('rejects bad options by name', () => {
    const breaker = circuitBreaker({ name: 'x' });
    expect(() => dependencyStats(breaker, { windowMs: 0 })).toThrow('dependencyStats: windowMs must be a finite number > 0, got 0');
    expect(() => dependencyStats(breaker, { windowMs: 500, bucketMs: 1_000 })).toThrow('dependencyStats: windowMs must be >= bucketMs (1000), got 500');
    expect(() => dependencyStats(breaker, { samplesPerBucket: 2.5 })).toThrow('dependencyStats: samplesPerBucket must be an integer >= 1, got 2.5');
  });
});
