import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { fixedWindow } from '../../src/limits/fixed-window.js';

describe('fixedWindow', () => {
  it('admits limit units per aligned window and tells when the window ends', async () => {
    const clock = new ManualClock(1_000);
    const limiter = fixedWindow({ limit: 3, windowMs: 1000, clock });
    await clock.advance(400);
    for (let i = 0; i < 3; i++) expect(limiter.tryConsume('k').allowed).toBe(true);
    expect(limiter.tryConsume('k')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 600 });
    await clock.advance(600);
    expect(limiter.tryConsume('k')).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
  });

  it('charges weighted costs', () => {
    const limiter = fixedWindow({ limit: 10, windowMs: 1000, clock: new ManualClock() });
    expect(limiter.tryConsume('k', 8).remaining).toBe(2);
    expect(limiter.tryConsume('k', 3).allowed).toBe(false);
    expect(limiter.tryConsume('k', 2).allowed).toBe(true);
  });

  it('rejects a fractional limit', () => {
    expect(() => fixedWindow({ limit: 2.5, windowMs: 1000 })).toThrow(/fixedWindow: limit must be an integer/);
  });
});
