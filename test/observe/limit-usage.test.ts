import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { trackLimiter } from '../../src/observe/limit-usage.js';

describe('trackLimiter', () => {
  it('counts admitted units and refusals over the window, passing decisions through', async () => {
    const clock = new ManualClock(0);
    const limiter = trackLimiter(tokenBucket({ capacity: 3, refillPerSecond: 1, clock }), { name: 'orders', capacity: 60, windowMs: 10_000, clock });
    expect((await limiter.consume('k', 2)).allowed).toBe(true);
    expect((await limiter.consume('k', 2)).allowed).toBe(false);
    expect(limiter.usage()).toMatchObject({ name: 'orders', admitted: 2, limited: 1, usage: 2 / 60, queued: 0 });
    await clock.advance(10_001);
    expect(limiter.usage()).toMatchObject({ admitted: 0, limited: 0 });
  });

  it('counts acquires that succeed and those that give up, and shows the queue while waiting', async () => {
    const clock = new ManualClock(0);
    const limiter = trackLimiter(tokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { name: 'orders', clock });
    await limiter.acquire('k');
    const waiting = limiter.acquire('k');
    expect(limiter.usage().queued).toBe(1);
    await clock.advance(1_000);
    await waiting;
    await expect(limiter.acquire('k', 1, { maxWaitMs: 10 })).rejects.toBeDefined();
    expect(limiter.usage()).toMatchObject({ admitted: 2, limited: 1, usage: null, queued: 0 });
  });

  it('rejects bad options by name', () => {
    const inner = tokenBucket({ capacity: 1, refillPerSecond: 1 });
    expect(() => trackLimiter(inner, { name: '' })).toThrow('trackLimiter: name must be a non-empty string, got ""');
    expect(() => trackLimiter(inner, { name: 'x', windowMs: 0 })).toThrow('trackLimiter: windowMs must be a finite number > 0, got 0');
    expect(() => trackLimiter(inner, { name: 'x', capacity: -1 })).toThrow('trackLimiter: capacity must be a finite number > 0, got -1');
  });
});
