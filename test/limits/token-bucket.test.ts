import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';

describe('tokenBucket', () => {
  it('admits a burst of capacity, then denies with the time until one token refills', async () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 5, refillPerSecond: 10, clock });
    for (let i = 0; i < 5; i++) expect((await limiter.consume('k')).allowed).toBe(true);
    const denied = await limiter.consume('k');
    expect(denied).toEqual({ allowed: false, remaining: 0, retryAfterMs: 100 });
  });

  it('refills continuously at refillPerSecond, capped at capacity', async () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 5, refillPerSecond: 10, clock });
    for (let i = 0; i < 5; i++) limiter.tryConsume('k');
    await clock.advance(250);
    expect(limiter.tryConsume('k', 2)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    expect(limiter.tryConsume('k').allowed).toBe(false);
    await clock.advance(60_000);
    expect(limiter.tryConsume('k')).toEqual({ allowed: true, remaining: 4, retryAfterMs: 0 });
  });

  it('charges weighted costs and reports remaining in cost units', () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 10, refillPerSecond: 1, clock });
    expect(limiter.tryConsume('k', 7)).toEqual({ allowed: true, remaining: 3, retryAfterMs: 0 });
    expect(limiter.tryConsume('k', 4)).toEqual({ allowed: false, remaining: 3, retryAfterMs: 1000 });
  });

  it('keeps keys independent', () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    expect(limiter.tryConsume('a').allowed).toBe(true);
    expect(limiter.tryConsume('a').allowed).toBe(false);
    expect(limiter.tryConsume('b').allowed).toBe(true);
  });

  it('denies a cost above capacity forever', () => {
    const limiter = tokenBucket({ capacity: 3, refillPerSecond: 1, clock: new ManualClock() });
    expect(limiter.tryConsume('k', 4)).toMatchObject({ allowed: false, retryAfterMs: Infinity });
  });

  it('rejects bad options and bad costs with errors naming them', async () => {
    expect(() => tokenBucket({ capacity: 0, refillPerSecond: 1 })).toThrow('tokenBucket: capacity must be a finite number > 0, got 0');
    expect(() => tokenBucket({ capacity: 1, refillPerSecond: Number.NaN })).toThrow(/refillPerSecond/);
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1 });
    await expect(limiter.consume('k', 0)).rejects.toThrow('limiter: cost must be an integer >= 1, got 0');
    expect(() => limiter.tryConsume('k', 1.5)).toThrow(RangeError);
  });
});
