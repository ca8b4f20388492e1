import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { gcra } from '../../src/limits/gcra.js';

describe('gcra', () => {
  it('admits burst units at once (default burst = limit), then one per emission interval', async () => {
    const clock = new ManualClock();
    const limiter = gcra({ limit: 4, periodMs: 1000, clock });
    for (let i = 0; i < 4; i++) expect(limiter.tryConsume('k').allowed).toBe(true);
    expect(limiter.tryConsume('k')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 250 });
    await clock.advance(250);
    expect(limiter.tryConsume('k').allowed).toBe(true);
    expect(limiter.tryConsume('k').allowed).toBe(false);
  });

  it('with burst 1 spaces calls at periodMs / limit', async () => {
    const clock = new ManualClock();
    const limiter = gcra({ limit: 10, periodMs: 100, burst: 1, clock });
    expect(limiter.tryConsume('k').allowed).toBe(true);
    expect(limiter.tryConsume('k')).toMatchObject({ allowed: false, retryAfterMs: 10 });
    await clock.advance(9);
    expect(limiter.tryConsume('k').allowed).toBe(false);
    await clock.advance(1);
    expect(limiter.tryConsume('k').allowed).toBe(true);
  });

  it('charges weighted costs as several emission intervals', () => {
    const limiter = gcra({ limit: 10, periodMs: 1000, clock: new ManualClock() });
    expect(limiter.tryConsume('k', 6)).toEqual({ allowed: true, remaining: 4, retryAfterMs: 0 });
    expect(limiter.tryConsume('k', 5)).toEqual({ allowed: false, remaining: 4, retryAfterMs: 100 });
    expect(limiter.tryConsume('k', 11)).toMatchObject({ allowed: false, retryAfterMs: Infinity });
  });

  it('rejects bad options with errors naming them', () => {
    expect(() => gcra({ limit: -1, periodMs: 1000 })).toThrow(/gcra: limit/);
    expect(() => gcra({ limit: 1, periodMs: 0 })).toThrow(/gcra: periodMs/);
    expect(() => gcra({ limit: 1, periodMs: 10, burst: 0.5 })).toThrow(/gcra: burst must be an integer/);
  });
});
