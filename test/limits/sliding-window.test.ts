import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../src/core/clock.js';
import { slidingWindow } from '../../src/limits/sliding-window.js';
import { maxInRollingWindow } from './rolling.js';

describe('slidingWindow log (default)', () => {
  it('admits limit units in a rolling window and says when the oldest leaves it', async () => {
    const clock = new ManualClock();
    const limiter = slidingWindow({ limit: 3, windowMs: 1000, clock });
    limiter.tryConsume('k');
    await clock.advance(300);
    limiter.tryConsume('k');
    limiter.tryConsume('k');
    expect(limiter.tryConsume('k')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 700 });
    await clock.advance(700);
    expect(limiter.tryConsume('k')).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    expect(limiter.tryConsume('k')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 300 });
  });

  it('charges weighted costs unit by unit', async () => {
    const clock = new ManualClock();
    const limiter = slidingWindow({ limit: 10, windowMs: 1000, clock });
    expect(limiter.tryConsume('k', 4).remaining).toBe(6);
    await clock.advance(500);
    expect(limiter.tryConsume('k', 6).remaining).toBe(0);
    expect(limiter.tryConsume('k', 4)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 500 });
    expect(limiter.tryConsume('k', 5)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1000 });
  });

  it('property: for random arrivals and costs, no rolling window ever admits more than limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), cost: fc.integer({ min: 1, max: 5 }) }), { maxLength: 200 }),
        (limit, windowMs, arrivals) => {
          let now = 0;
          // Only consume is called, which reads now() and never sleeps.
          const clock: Clock = { now: () => now, sleep: () => Promise.reject(new Error('unused')) };
          const limiter = slidingWindow({ limit, windowMs, clock });
          const admitted: number[] = [];
          for (const { gap, cost } of arrivals) {
            now += gap;
            if (cost <= limit && limiter.tryConsume('k', cost).allowed) for (let i = 0; i < cost; i++) admitted.push(now);
          }
          expect(maxInRollingWindow(admitted, windowMs)).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('slidingWindow counter', () => {
  it('weights the previous window by the share of it still inside the rolling window', async () => {
    const clock = new ManualClock();
    const limiter = slidingWindow({ limit: 10, windowMs: 1000, mode: 'counter', clock });
    for (let i = 0; i < 10; i++) limiter.tryConsume('k');
    await clock.advance(1250);
    // estimate = 10 * 0.75 + 0 = 7.5, so 2 fit.
    expect(limiter.tryConsume('k', 2)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    const denied = limiter.tryConsume('k');
    expect(denied.allowed).toBe(false);
    // Fits when 10 * (1 - f) + 2 + 1 <= 10, f = 0.3 -> 50 ms from now.
    expect(denied.retryAfterMs).toBeCloseTo(50, 6);
  });

  it('rejects an unknown mode', () => {
    expect(() => slidingWindow({ limit: 1, windowMs: 1, mode: 'exact' as 'log' })).toThrow("slidingWindow: mode must be one of 'log', 'counter', got exact");
  });
});
