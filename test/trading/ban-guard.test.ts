import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimitedError } from '../../src/core/errors.js';
import { ExchangeBanGuard, ExchangeThrottle } from '../../src/trading/ban-guard.js';
import { track } from '../support/async.js';

function guard(clock: ManualClock): ExchangeBanGuard {
  return new ExchangeBanGuard({ clock, maxWaitMs: 60_000, default429Ms: 1_000, default418Ms: 120_000 });
}

describe('ExchangeBanGuard', () => {
  it('a 429 with a short Retry-After pauses requests, waited out, not a ban', async () => {
    const clock = new ManualClock();
    const g = guard(clock);
    const error = new ccxt.DDoSProtection('binance 429 Too Many Requests');
    expect(g.observe(error, { 'Retry-After': '3' })).toBe(3_000);
    expect(g.state()).toEqual({ pausedUntil: 3_000, banned: false });
    expect((error as unknown as { retryAfterMs: number }).retryAfterMs).toBe(3_000);
    const admitted = track(g.admit());
    await clock.advance(2_999);
    expect(admitted.state).toBe('pending');
    await clock.advance(1);
    expect(admitted.state).toBe('fulfilled');
  });

  it('a 418 is a ban: requests fail at once with RateLimitedError until it ends', async () => {
    const clock = new ManualClock();
    const g = guard(clock);
    expect(g.observe(new ccxt.DDoSProtection('binance 418 I am a teapot'), undefined)).toBe(120_000);
    expect(g.isBanned).toBe(true);
    expect(() => g.assertNotBanned()).toThrow(RateLimitedError);
    await expect(g.admit()).rejects.toBeInstanceOf(RateLimitedError);
    await clock.advance(120_000);
    expect(g.isBanned).toBe(false);
    await expect(g.admit()).resolves.toBeUndefined();
  });

  it('ignores errors that are not the exchange braking', () => {
    const g = guard(new ManualClock());
    expect(g.observe(new ccxt.InsufficientFunds('no money'), undefined)).toBeUndefined();
    expect(g.state()).toEqual({ pausedUntil: 0, banned: false });
  });

  it('ExchangeThrottle, its deprecated name, is the same class until 1.0', () => {
    expect(ExchangeThrottle).toBe(ExchangeBanGuard);
    expect(new ExchangeThrottle({ clock: new ManualClock(), maxWaitMs: 1, default429Ms: 1, default418Ms: 1 })).toBeInstanceOf(ExchangeBanGuard);
  });
});
