import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../src/core/clock.js';
import { LimiterUnavailableError } from '../../src/limits/errors.js';
import { leased } from '../../src/limits/leased.js';
import { fixedWindow } from '../../src/limits/fixed-window.js';
import { slidingWindow } from '../../src/limits/sliding-window.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import type { RateLimiter } from '../../src/limits/rate-limiter.js';
import { maxInRollingWindow } from './rolling.js';

describe('leased', () => {
  /** Counts the reservations a leased limiter makes and the size of each grant. */
  function spyOnReserve(limiter: RateLimiter): number[] {
    const grants: number[] = [];
    const reserve = limiter.reserve.bind(limiter);
    limiter.reserve = async (...args: Parameters<RateLimiter['reserve']>) => {
      const grant = await reserve(...args);
      grants.push(grant.granted);
      return grant;
    };
    return grants;
  }

  it('reserves a batch, then spends it locally without charging the store again', async () => {
    const clock = new ManualClock();
    const shared = tokenBucket({ capacity: 100, refillPerSecond: 1, clock });
    const grants = spyOnReserve(shared);
    const local = leased(shared, { maxBatch: 10 });
    for (let i = 0; i < 40; i++) expect((await local.consume('k')).allowed).toBe(true);
    const leftover = local.leftover('k');
    expect(leftover).toBeGreaterThan(0);
    const reservations = grants.length;
    const storeBefore = shared.tryConsume('k').remaining;
    for (let i = 0; i < leftover; i++) expect((await local.consume('k')).allowed).toBe(true);
    expect(grants.length).toBe(reservations);
    expect(shared.tryConsume('k').remaining).toBe(storeBefore - 1);
  });

  it('grows the batch with the rate of spending, up to maxBatch', async () => {
    const clock = new ManualClock();
    const shared = fixedWindow({ limit: 1000, windowMs: 60_000, clock });
    const grants = spyOnReserve(shared);
    const local = leased(shared, { maxBatch: 50, leaseMs: 1000 });
    for (let i = 0; i < 200; i++) {
      await local.consume('k');
      await clock.advance(1); // 1 unit per ms: half a lease would be 500 units, capped at 50
    }
    expect(grants[0]).toBe(1);
    expect(grants.at(-1)).toBe(50);
    expect(grants.length).toBeLessThan(20);
  });

  it('returns unspent units on close()', async () => {
    const clock = new ManualClock();
    const shared = fixedWindow({ limit: 100, windowMs: 60_000, clock });
    const local = leased(shared, { maxBatch: 10 });
    await local.consume('k');
    await local.consume('k');
    await local.consume('k');
    const held = local.leftover('k');
    await local.close();
    // Store charged only what was spent: 3 plus the 1 probe below.
    expect(shared.tryConsume('k').remaining).toBe(100 - 3 - 1);
    expect(held).toBeGreaterThanOrEqual(0);
    await expect(local.consume('k')).rejects.toThrow(/closed/);
  });

  it('never spends a lease after it expires', async () => {
    const clock = new ManualClock();
    const shared = fixedWindow({ limit: 100, windowMs: 60_000, clock });
    const local = leased(shared, { maxBatch: 10, leaseMs: 100 });
    for (let i = 0; i < 30; i++) await local.consume('k');
    expect(local.leftover('k')).toBeGreaterThan(0);
    await clock.advance(100);
    expect(local.leftover('k')).toBe(0);
  });

  it('property: several leased processes sharing one sliding-log limit never exceed it in any rolling window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 60 }), who: fc.integer({ min: 0, max: 2 }), cost: fc.integer({ min: 1, max: 3 }) }), {
          maxLength: 150,
        }),
        async (arrivals) => {
          let now = 0;
          const clock: Clock = { now: () => now, sleep: () => Promise.reject(new Error('unused')) };
          const shared = slidingWindow({ limit: 10, windowMs: 1000, clock });
          const processes = [0, 1, 2].map(() => leased(shared, { maxBatch: 4, leaseMs: 300 }));
          const admitted: number[] = [];
          for (const { gap, who, cost } of arrivals) {
            now += gap;
            const decision = await (processes[who] as ReturnType<typeof leased>).consume('k', cost);
            if (decision.allowed) for (let i = 0; i < cost; i++) admitted.push(now);
          }
          expect(maxInRollingWindow(admitted, 1000)).toBeLessThanOrEqual(10);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('when the shared store is unreachable: fails closed without insurance, decides locally with it', async () => {
    const shared = fixedWindow({ limit: 100, windowMs: 1000, clock: new ManualClock() });
    shared.reserve = () => Promise.reject(new LimiterUnavailableError('store down'));
    await expect(leased(shared).consume('k')).rejects.toBeInstanceOf(LimiterUnavailableError);
    const insurance = fixedWindow({ limit: 1, windowMs: 1000, clock: new ManualClock() });
    const local = leased(shared, { insurance });
    expect((await local.consume('k')).allowed).toBe(true);
    expect((await local.consume('k')).allowed).toBe(false);
  });

  it('rejects bad options with errors naming them', () => {
    const shared = fixedWindow({ limit: 10, windowMs: 1000 });
    expect(() => leased(shared, { leaseMs: 0 })).toThrow(/leased: leaseMs/);
    expect(() => leased(shared, { maxBatch: 1.5 })).toThrow(/leased: maxBatch/);
    expect(() => leased({} as never)).toThrow(/leased\(limiter\) needs a limiter/);
  });
});
