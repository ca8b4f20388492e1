/**
 * A follower process for bench/shared-breakers.ts: `node shared-breakers-member.js REDIS_URL PREFIX`.
 * Shares one breaker; prints `ready`, then `open <ms>` (wall-clock ms with a fraction, comparable
 * across processes of one machine) whenever the fleet opens it. `close` on stdin closes it locally.
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { ManualClock } from '../src/core/clock.js';
import { circuitBreaker } from '../src/policies/breaker/circuit-breaker.js';
import { shareBreaker } from '../src/fleet/shared-breaker.js';

const [url, prefix] = process.argv.slice(2) as [string, string];
const clock = new ManualClock();
const breaker = circuitBreaker({ name: 'venue', window: { kind: 'consecutive', failures: 1 }, openMs: 60_000, clock });
breaker.on('stateChange', (c) => {
  if (c.to === 'open') console.log(`open ${performance.timeOrigin + performance.now()}`);
});
const redis = new Redis(url);
const shared = await shareBreaker(breaker, { redis, prefix, clock });
console.log('ready');
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'close') {
      breaker.forceClose();
      console.log('closed');
    }
  })
  .on('close', () => {
    void shared.close().then(() => redis.disconnect());
  });
