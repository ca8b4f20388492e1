/**
 * Batching is invisible (property, real Redis): any sequence of weighted consumes over a few keys,
 * sent all at once so that they share script calls, gets exactly the decisions the memory store
 * gives the same sequence one call at a time. Parameters make time irrelevant within a test (a
 * year-long window, refills of one unit a year), so the two stores can be compared decision by
 * decision: this checks the order of decisions within a batch, the per-key read-once / write-once
 * state, batches mixing keys, and chunking by maxDecisionsPerCall. The same sequences sent one
 * call at a time check each algorithm's lone-consume script path (`luaConsume`) the same way.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { fixedWindow } from '../../src/limits/fixed-window.js';
import { gcra } from '../../src/limits/gcra.js';
import type { LimiterOptions, RateLimiter } from '../../src/limits/rate-limiter.js';
import { slidingWindow } from '../../src/limits/sliding-window.js';
import { redisStore } from '../../src/limits/stores/redis.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { describeWith, probeRedis, redisUrl, requireService, sharedRedis } from '../support/services.js';

const available = await requireService(`Redis at ${redisUrl}`, probeRedis);

const YEAR = 365 * 86_400_000;
const run = `test:batchprop:${process.pid}:${Date.now()}:`;

/** Each algorithm with limit 12, built on the given store options. */
const makers: Record<string, (options: LimiterOptions) => RateLimiter> = {
  tokenBucket: (o) => tokenBucket({ capacity: 12, refillPerSecond: 12 / (YEAR / 1000), ...o }),
  gcra: (o) => gcra({ limit: 12, periodMs: YEAR, ...o }),
  fixedWindow: (o) => fixedWindow({ limit: 12, windowMs: YEAR, ...o }),
  'slidingWindow counter': (o) => slidingWindow({ limit: 12, windowMs: YEAR, mode: 'counter', ...o }),
  'slidingWindow log': (o) => slidingWindow({ limit: 12, windowMs: YEAR, ...o }),
};

const call = fc.record({ key: fc.constantFrom('a', 'b', 'c'), cost: fc.integer({ min: 1, max: 14 }) });

describeWith(available, 'Redis store batching (property)', () => {
  const redis = sharedRedis(run);

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: decisions sent together equal the memory store's, one at a time`, async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), async (calls, perCall) => {
          const prefix = `${run}${name}:${runs++}:`;
          const shared = make({ store: redisStore(redis.client, { prefix, maxDecisionsPerCall: perCall }) });
          const local = make({});
          const together = await Promise.all(calls.map((c) => shared.consume(c.key, c.cost)));
          const oneByOne = calls.map((c) => local.tryConsume(c.key, c.cost));
          expect(together.map((d) => [d.allowed, d.remaining])).toEqual(oneByOne.map((d) => [d.allowed, d.remaining]));
        }),
        { numRuns: 25, seed: 20261125 },
      );
    });

    it(`${name}: decisions sent one at a time (each alone in its script run) equal the memory store's`, async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 40 }), async (calls) => {
          const prefix = `${run}${name}:alone:${runs++}:`;
          const shared = make({ store: redisStore(redis.client, { prefix }) });
          const local = make({});
          const alone = [];
          for (const c of calls) alone.push(await shared.consume(c.key, c.cost));
          const oneByOne = calls.map((c) => local.tryConsume(c.key, c.cost));
          expect(alone.map((d) => [d.allowed, d.remaining])).toEqual(oneByOne.map((d) => [d.allowed, d.remaining]));
        }),
        { numRuns: 25, seed: 20261126 },
      );
    });
  }
});
