/**
 * Redis-backed limiters on one connection, side by side in one process with a bare PING (the
 * floor for one round trip per decision) and rate-limiter-flexible's Redis limiter: sequential
 * decisions, 64 decisions in flight, and leased mode (local spending of batches reserved in Redis).
 * Each case runs for a fixed time, so the whole file takes a few seconds per case.
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { fixedWindow, leased, redisStore, slidingWindow, tokenBucket } from '../src/limits/index.js';
import { type Row, printTable, ratio } from './harness.js';

const url = process.env.BULWARK_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Long enough to average out scheduling noise, short enough to keep the suite quick. */
const CASE_MS = 2000;
/** Limits no benchmark reaches, so every decision is an admission (the common path). */
const HUGE = 1_000_000_000;

/** Operations per second of `op` run by `inFlight` loops at once for CASE_MS. */
async function rate(op: () => Promise<unknown>, inFlight: number): Promise<number> {
  for (let i = 0; i < 200; i++) await op(); // warm-up: scripts loaded, JIT settled
  const end = Date.now() + CASE_MS;
  let count = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) {
        await op();
        count++;
      }
    }),
  );
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function benchLimitsRedis(): Promise<Row[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
  } catch (error) {
    console.log(`\n(skipped: Redis unreachable at ${url}: ${error instanceof Error ? error.message : String(error)})`);
    return [];
  }
  const prefix = `bench:${process.pid}:${Date.now()}:`;
  const rows: Row[] = [];
  try {
    const ping = await rate(() => redis.ping(), 1);
    const ping64 = await rate(() => redis.ping(), 64);
    rows.push({ group: 'redis', name: 'bare PING, sequential', opsPerSec: ping }, { group: 'redis', name: 'bare PING, 64 in flight', opsPerSec: ping64 });

    const rlf = new RateLimiterRedis({ storeClient: redis, points: HUGE, duration: 60, keyPrefix: `${prefix}rlf` });
    const rlfSeq = await rate(() => rlf.consume('k'), 1);
    const rlf64 = await rate(() => rlf.consume('k'), 64);
    rows.push(
      { group: 'redis', name: 'rate-limiter-flexible Redis, sequential', opsPerSec: rlfSeq },
      { group: 'redis', name: 'rate-limiter-flexible Redis, 64 in flight', opsPerSec: rlf64 },
    );

    const store = redisStore(redis, { prefix });
    for (const [name, limiter] of Object.entries({
      tokenBucket: tokenBucket({ capacity: HUGE, refillPerSecond: HUGE, store }),
      fixedWindow: fixedWindow({ limit: HUGE, windowMs: 60_000, store }),
      'slidingWindow counter': slidingWindow({ limit: HUGE, windowMs: 60_000, mode: 'counter', store }),
    })) {
      const seq = await rate(() => limiter.consume('k'), 1);
      const par = await rate(() => limiter.consume('k'), 64);
      rows.push(
        { group: 'redis', name: `bulwark ${name}, sequential`, opsPerSec: seq, note: `${(ping / seq).toFixed(2)}x PING time; ${ratio(rlfSeq, seq)} rate-limiter-flexible` },
        { group: 'redis', name: `bulwark ${name}, 64 in flight`, opsPerSec: par, note: `${ratio(rlf64, par)} rate-limiter-flexible` },
      );
    }
    // The exact log keeps one list entry per admitted unit: bench it with a realistic limit.
    const log = slidingWindow({ limit: 1000, windowMs: 1000, store });
    const logSeq = await rate(() => log.consume(`k${Math.floor(Math.random() * 1000)}`), 1);
    rows.push({ group: 'redis', name: 'bulwark slidingWindow log (limit 1000/s, 1000 keys), sequential', opsPerSec: logSeq, note: `${(ping / logSeq).toFixed(2)}x PING time` });

    const shared = fixedWindow({ limit: HUGE, windowMs: 1000, store: redisStore(redis, { prefix: `${prefix}leased:` }) });
    const local = leased(shared, { maxBatch: 10_000 });
    const leasedRate = await rate(() => local.consume('k'), 1);
    await local.close();
    rows.push({ group: 'redis', name: 'bulwark leased fixedWindow (maxBatch 10,000), sequential', opsPerSec: leasedRate, note: `${ratio(rlfSeq, leasedRate)} rate-limiter-flexible sequential` });
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
  printTable('Limits (Redis): decisions per second on one connection', rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLimitsRedis();
