import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { RateLimitedError } from '../../../src/core/errors.js';
import { adaptiveThrottle } from '../../../src/limits/adaptive/throttle.js';
import { seededRandom as seeded } from '../../../src/core/random.js';


const overloaded = (): never => {
  throw new RateLimitedError(1000);
};

describe('adaptiveThrottle', () => {
  it('never rejects while the backend accepts everything', async () => {
    const throttle = adaptiveThrottle({ clock: new ManualClock(), random: () => 0 });
    for (let i = 0; i < 100; i++) await throttle.execute(() => i);
    expect(throttle.probability()).toBe(0);
  });

  it('follows max(0, (requests - K * accepts) / (requests + 1)) exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.constantFrom(1, 1.5, 2, 3), (accepts, rejects, k) => {
        const throttle = adaptiveThrottle({ k, clock: new ManualClock(), random: () => 0.999999 });
        for (let i = 0; i < accepts; i++) {
          throttle.tryAcquire();
          throttle.record(true);
        }
        for (let i = 0; i < rejects; i++) {
          throttle.tryAcquire();
          throttle.record(false);
        }
        const requests = accepts + rejects;
        expect(throttle.stats()).toEqual({ requests, accepts });
        expect(throttle.probability()).toBeCloseTo(Math.max(0, (requests - k * accepts) / (requests + 1)), 12);
      }),
    );
  });

  it('rejects locally, without calling the backend, at about the computed rate (seeded)', async () => {
    const clock = new ManualClock();
    const throttle = adaptiveThrottle({ clock, random: seeded(42) });
    // 10 accepted, then 90 refused: p = (100 - 20) / 101
    for (let i = 0; i < 10; i++) await throttle.execute(() => 'ok');
    for (let i = 0; i < 90; i++) await throttle.execute(overloaded).catch(() => undefined);
    const p = throttle.probability();
    expect(p).toBeCloseTo(80 / 101, 10);
    let backendCalls = 0;
    let local = 0;
    for (let i = 0; i < 1000; i++) {
      await throttle
        .execute(() => {
          backendCalls++;
          return overloaded();
        })
        .catch((error: unknown) => {
          if (error instanceof RateLimitedError && error.retryAfterMs === 0) local++;
        });
    }
    expect(local + backendCalls).toBe(1000);
    // as refusals go on, p climbs towards 1: most of the 1000 never reach the backend
    expect(local).toBeGreaterThan(900);
    expect(throttle.probability()).toBeGreaterThan(p);
  });

  it('locally rejected calls count as requests (the client sheds more as the backend refuses more)', () => {
    const throttle = adaptiveThrottle({ clock: new ManualClock(), random: () => 0 });
    throttle.tryAcquire();
    throttle.record(false);
    // p = 1/2 now; random 0 < p, so the next is rejected and counted
    expect(throttle.tryAcquire()).toBe(false);
    expect(throttle.stats()).toEqual({ requests: 2, accepts: 0 });
  });

  it('recovers: once the refusals leave the rolling window the probability is 0 again', async () => {
    const clock = new ManualClock();
    const throttle = adaptiveThrottle({ clock, windowMs: 10_000, bucketMs: 1000, random: seeded(7) });
    for (let i = 0; i < 50; i++) await throttle.execute(overloaded).catch(() => undefined);
    expect(throttle.probability()).toBeGreaterThan(0.9);
    await clock.advance(9_000);
    expect(throttle.probability()).toBeGreaterThan(0.9);
    await clock.advance(1_000);
    expect(throttle.probability()).toBe(0);
    await expect(throttle.execute(() => 'back')).resolves.toBe('back');
  });

  it('recovers gradually as accepts return while refusals are still in the window', async () => {
    const clock = new ManualClock();
    const throttle = adaptiveThrottle({ clock, random: () => 0.999999 });
    for (let i = 0; i < 20; i++) await throttle.execute(overloaded).catch(() => undefined);
    const high = throttle.probability();
    for (let i = 0; i < 10; i++) await throttle.execute(() => 'ok');
    // requests 30, accepts 10: (30 - 20) / 31
    expect(throttle.probability()).toBeCloseTo(10 / 31, 10);
    expect(throttle.probability()).toBeLessThan(high);
    for (let i = 0; i < 10; i++) await throttle.execute(() => 'ok');
    expect(throttle.probability()).toBe(0);
  });

  it('a user error still counts as accepted: the backend answered', async () => {
    const throttle = adaptiveThrottle({ clock: new ManualClock() });
    await expect(
      throttle.execute(() => {
        throw new Error('invalid symbol');
      }),
    ).rejects.toThrow('invalid symbol');
    expect(throttle.stats()).toEqual({ requests: 1, accepts: 1 });
    await throttle.execute(() => {
      throw Object.assign(new Error('busy'), { status: 503 });
    }).catch(() => undefined);
    expect(throttle.stats()).toEqual({ requests: 2, accepts: 1 });
  });

  it('rejects bad options with the option named', () => {
    expect(() => adaptiveThrottle({ k: 0.5 })).toThrow(/k must/);
    expect(() => adaptiveThrottle({ windowMs: 0 })).toThrow(/windowMs/);
    expect(() => adaptiveThrottle({ windowMs: 1000, bucketMs: 2000 })).toThrow(/bucketMs/);
  });
});
