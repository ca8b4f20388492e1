/** The limiters on a real Redis: each algorithm, key layout and expiry, leased mode. */
import { expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { fixedWindow, fixedWindowAlgorithm } from '../../src/limits/fixed-window.js';
import { gcra } from '../../src/limits/gcra.js';
import { leased } from '../../src/limits/leased.js';
import type { RateLimiter } from '../../src/limits/rate-limiter.js';
import { slidingCounterAlgorithm } from '../../src/limits/sliding-counter.js';
import { slidingWindow } from '../../src/limits/sliding-window.js';
import { redisStore } from '../../src/limits/stores/redis.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { describeWith, probeRedis, redisUrl, requireService, sharedRedis } from '../support/services.js';

const available = await requireService(`Redis at ${redisUrl}`, probeRedis);

const run = `test:${process.pid}:${Date.now()}:`;

describeWith(available, 'limiters on Redis', () => {
  const db = sharedRedis(run);

  const makers: Record<string, (prefix: string) => RateLimiter> = {
    tokenBucket: (prefix) => tokenBucket({ capacity: 3, refillPerSecond: 1, store: redisStore(db.client, { prefix }) }),
    gcra: (prefix) => gcra({ limit: 3, periodMs: 1000, store: redisStore(db.client, { prefix }) }),
    'slidingWindow log': (prefix) => slidingWindow({ limit: 3, windowMs: 1000, store: redisStore(db.client, { prefix }) }),
    'slidingWindow counter': (prefix) => slidingWindow({ limit: 3, windowMs: 1000, mode: 'counter', store: redisStore(db.client, { prefix }) }),
    fixedWindow: (prefix) => fixedWindow({ limit: 3, windowMs: 60_000, store: redisStore(db.client, { prefix }) }),
  };

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: admits the limit, then denies with a retryAfterMs within the period`, async () => {
      const limiter = make(`${run}${name}:`);
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('k'));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
      expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
      expect(decisions[3]?.retryAfterMs).toBeGreaterThan(0);
      expect(decisions[3]?.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it(`${name}: a denied weighted charge leaves the count as it was`, async () => {
      const limiter = make(`${run}${name}:weighted:`);
      expect(await limiter.consume('k', 2)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await limiter.consume('k', 2)).toMatchObject({ allowed: false, remaining: 1 });
      expect(await limiter.consume('k', 5)).toMatchObject({ allowed: false, retryAfterMs: Infinity });
      expect(await limiter.consume('k', 1)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.consume('k', 1)).allowed).toBe(false);
    });

    it(`${name}: 40 decisions in flight at once (batched into shared script calls) admit exactly the limit, in call order`, async () => {
      const limiter = make(`${run}${name}:flight:`);
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => limiter.consume(i % 2 === 0 ? 'even' : 'odd')));
      for (const key of [0, 1]) {
        const mine = decisions.filter((_, i) => i % 2 === key);
        expect(mine.map((d) => d.allowed)).toEqual([true, true, true, ...new Array(17).fill(false)]);
        expect(mine.slice(0, 3).map((d) => d.remaining)).toEqual([2, 1, 0]);
      }
    });

    it(`${name}: a batch mixing a reservation and consumes on one key charges each in call order`, async () => {
      const limiter = make(`${run}${name}:mixed:`);
      // The first goes out alone; the other three share one script call.
      const [first, grant, second, third] = await Promise.all([
        limiter.consume('k'),
        limiter.reserve('k', 5, 1, 1000),
        limiter.consume('k'),
        limiter.consume('other'),
      ]);
      expect(first?.allowed).toBe(true);
      expect(grant).toMatchObject({ granted: 2, remaining: 0 });
      expect(second?.allowed).toBe(false);
      expect(third).toMatchObject({ allowed: true, remaining: 2 });
      expect((await limiter.consume('k')).allowed).toBe(false);
    });

    it(`${name}: keys are hash-tagged per limiter key and expire, also after later charges and denials`, async () => {
      const prefix = `${run}${name}:layout:`;
      const limiter = make(prefix);
      await limiter.consume('user-7', 2);
      await limiter.consume('user-7', 1);
      expect((await limiter.consume('user-7', 1)).allowed).toBe(false);
      const keys = await db.client.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).toContain('{user-7}');
        expect(await db.client.pttl(key)).toBeGreaterThan(0);
      }
    });
  }

  it('charges weighted costs', async () => {
    const limiter = slidingWindow({ limit: 10, windowMs: 1000, store: redisStore(db.client, { prefix: `${run}weighted:` }) });
    expect(await limiter.consume('k', 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(await limiter.consume('k', 4)).toMatchObject({ allowed: false, remaining: 3 });
    expect(await limiter.consume('k', 3)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('fixedWindow reserve: a partial grant charges only what it grants, a denied one nothing', async () => {
    const prefix = `${run}fw-reserve:`;
    const bound = redisStore(db.client, { prefix }).bind(fixedWindowAlgorithm(3, 60_000), systemClock);
    expect((await bound.consume('k', 1)).allowed).toBe(true);
    expect(await bound.reserve('k', 5, 1, 1000)).toMatchObject({ granted: 2, remaining: 0 });
    expect(await bound.reserve('k', 5, 1, 1000)).toMatchObject({ granted: 0, remaining: 0 });
    const [key] = await db.client.keys(`${prefix}*`);
    expect(await db.client.get(key as string)).toBe('3');
    expect(await db.client.pttl(key as string)).toBeGreaterThan(0);
  });

  it('works with sub-second periods: a 100 ms window admits again once its retryAfterMs has passed', async () => {
    const limiter = slidingWindow({ limit: 2, windowMs: 100, store: redisStore(db.client, { prefix: `${run}subsecond:` }) });
    await limiter.consume('k');
    await limiter.consume('k');
    const denied = await limiter.consume('k');
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(100);
    // Redis keeps its own time: wait out the window it reported.
    await new Promise((resolve) => setTimeout(resolve, denied.retryAfterMs + 5));
    expect((await limiter.consume('k')).allowed).toBe(true);
  });

  it('slidingWindow counter with a 100 ms window: admits again in a later window, and its key keeps an expiry', async () => {
    const prefix = `${run}counter-subsecond:`;
    const limiter = slidingWindow({ limit: 2, windowMs: 100, mode: 'counter', store: redisStore(db.client, { prefix }) });
    await limiter.consume('k');
    await limiter.consume('k');
    const denied = await limiter.consume('k');
    expect(denied.allowed).toBe(false);
    // Redis keeps its own time: wait out the window it reported.
    await new Promise((resolve) => setTimeout(resolve, denied.retryAfterMs + 5));
    expect((await limiter.consume('k')).allowed).toBe(true);
    const [key] = await db.client.keys(`${prefix}*`);
    expect(await db.client.pttl(key as string)).toBeGreaterThan(0);
  });

  it('slidingWindow counter: units released after their window has become the previous one still count there (regression)', async () => {
    // The release used to roll the counts as a consume does and then write the current count as
    // 0, erasing the previous window's charges; they must stay, less the units given back.
    const prefix = `${run}counter-release:`;
    const bound = redisStore(db.client, { prefix }).bind(slidingCounterAlgorithm(10, 200), systemClock);
    const grant = await bound.reserve('k', 8, 1, 200);
    expect(grant.granted).toBe(8);
    const [key] = await db.client.keys(`${prefix}*`);
    // Redis keeps its own time: wait until the charged window is the previous one.
    await new Promise((resolve) => setTimeout(resolve, grant.validForMs + 5));
    await bound.release('k', 3, grant.stamp);
    expect(await db.client.hmget(key as string, 'w', 'c')).toEqual([String(grant.stamp), '5']);
  });

  it('acquire waits for the shared limit through the queue', async () => {
    const limiter = fixedWindow({ limit: 1, windowMs: 200, store: redisStore(db.client, { prefix: `${run}acquire:` }) });
    await limiter.acquire('k');
    await limiter.acquire('k', 1, { maxWaitMs: 1000 });
    await expect(limiter.acquire('k', 1, { maxWaitMs: 0 })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('leased: reserves batches in Redis, spends locally, and returns the unspent units on close()', async () => {
    const prefix = `${run}leased:`;
    const limiter = slidingWindow({ limit: 100, windowMs: 60_000, store: redisStore(db.client, { prefix }) });
    const local = leased(limiter, { maxBatch: 20, leaseMs: 5000 });
    let admitted = 0;
    for (let i = 0; i < 50; i++) if ((await local.consume('k')).allowed) admitted++;
    expect(admitted).toBe(50);
    const held = local.leftover('k');
    const [logKey] = await db.client.keys(`${prefix}*`);
    expect(await db.client.llen(logKey as string)).toBe(50 + held);
    await local.close();
    expect(await db.client.llen(logKey as string)).toBe(50);
  });
});
