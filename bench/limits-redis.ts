/**
 * Redis-backed limiters on one connection, side by side in one process with a bare PING (the
 * floor for one round trip per decision) and rate-limiter-flexible's Redis limiter: sequential
 * decisions, 64 decisions in flight, and leased mode (local spending of batches reserved in Redis).
 * Cases run interleaved in many short rounds and each keeps its median: on a shared machine a
 * neighbour's burst then lands on every case alike instead of on whichever case was running.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { fixedWindow, gcra, leased, redisStore, slidingWindow, tokenBucket } from '../src/limits/index.js';
import { type Row, printTable, ratio } from './harness.js';
import { connectBenchRedis } from './redis.js';

/** Each case runs ROUNDS times for ROUND_MS, cases interleaved round-robin, and the median is
 * kept: 15 rounds of 200 ms give each case 3 s and a median that one bad round cannot move. */
const ROUNDS = 15;
const ROUND_MS = 200;
/** Limits no benchmark reaches, so every decision is an admission (the common path). */
const HUGE = 1_000_000_000;

interface Case {
  name: string;
  op: () => Promise<unknown>;
  inFlight: number;
  rates: number[];
}

/** Operations per second of `op` run by `inFlight` loops at once for ROUND_MS. */
async function rate(op: () => Promise<unknown>, inFlight: number): Promise<number> {
  const end = Date.now() + ROUND_MS;
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

async function runInterleaved(cases: Case[]): Promise<Map<string, number>> {
  for (const c of cases) for (let i = 0; i < 200; i++) await c.op(); // warm-up: scripts loaded, JIT settled
  for (let round = 0; round < ROUNDS; round++) for (const c of cases) c.rates.push(await rate(c.op, c.inFlight));
  const medians = new Map<string, number>();
  for (const c of cases) medians.set(c.name, [...c.rates].sort((x, y) => x - y)[Math.floor(c.rates.length / 2)] as number);
  return medians;
}

export async function benchLimitsRedis(): Promise<Row[]> {
  const redis = await connectBenchRedis();
  if (!redis) return [];
  const prefix = `bench:${process.pid}:${Date.now()}:`;
  const rows: Row[] = [];
  try {
    const rlf = new RateLimiterRedis({ storeClient: redis, points: HUGE, duration: 60, keyPrefix: `${prefix}rlf` });
    const store = redisStore(redis, { prefix });
    const ours = {
      tokenBucket: tokenBucket({ capacity: HUGE, refillPerSecond: HUGE, store }),
      gcra: gcra({ limit: HUGE, periodMs: 1000, burst: HUGE, store }),
      fixedWindow: fixedWindow({ limit: HUGE, windowMs: 60_000, store }),
      'slidingWindow counter': slidingWindow({ limit: HUGE, windowMs: 60_000, mode: 'counter', store }),
    };
    // The exact log keeps one list entry per admitted unit: bench it with a realistic limit.
    const log = slidingWindow({ limit: 1000, windowMs: 1000, store });
    const cases: Case[] = [];
    const add = (name: string, op: () => Promise<unknown>, inFlight: number): void => void cases.push({ name, op, inFlight, rates: [] });
    // What any script decision pays before its own work: EVALSHA itself, then reading TIME.
    const floors = {
      'EVALSHA of return 1': await redis.script('LOAD', 'return 1'),
      'EVALSHA reading TIME': await redis.script('LOAD', "local t = redis.call('TIME') return {1, 2, 3}"),
      'EVALSHA reading TIME, one INCRBY': await redis.script('LOAD', "local t = redis.call('TIME') return {1, redis.call('INCRBY', KEYS[1], 1), 0}"),
    };
    for (const [name, sha] of Object.entries(floors)) {
      add(`floor: ${name}, sequential`, () => redis.evalsha(sha as string, 1, `${prefix}floor`, 1), 1);
    }
    for (const inFlight of [1, 64]) {
      const how = inFlight === 1 ? 'sequential' : '64 in flight';
      add(`bare PING, ${how}`, () => redis.ping(), inFlight);
      add(`rate-limiter-flexible Redis, ${how}`, () => rlf.consume('k'), inFlight);
      add(`rate-limiter-flexible Redis (1000 keys), ${how}`, () => rlf.consume(`k${Math.floor(Math.random() * 1000)}`), inFlight);
      for (const [name, limiter] of Object.entries(ours)) add(`bulwark ${name}, ${how}`, () => limiter.consume('k'), inFlight);
      // The cases above use one key (one exchange, one account); this one spreads over 1,000.
      add(`bulwark tokenBucket (1000 keys), ${how}`, () => ours.tokenBucket.consume(`k${Math.floor(Math.random() * 1000)}`), inFlight);
      add(`bulwark slidingWindow log (limit 1000/s, 1000 keys), ${how}`, () => log.consume(`k${Math.floor(Math.random() * 1000)}`), inFlight);
    }
    const medians = await runInterleaved(cases);
    for (const c of cases) {
      const ops = medians.get(c.name) as number;
      const how = c.inFlight === 1 ? 'sequential' : '64 in flight';
      const ping = medians.get(`bare PING, ${how}`) as number;
      // Spread over 1,000 keys, ours compare with theirs spread the same way.
      const keys = c.name.includes('1000 keys') ? ' (1000 keys)' : '';
      const theirs = medians.get(`rate-limiter-flexible Redis${keys}, ${how}`) as number;
      const note = c.name.startsWith('bulwark')
        ? `${(ping / ops).toFixed(2)}x PING time; ${ratio(theirs, ops)} rate-limiter-flexible${keys}`
        : c.name.startsWith('floor') || c.name.startsWith('rate-limiter-flexible')
          ? `${(ping / ops).toFixed(2)}x PING time`
          : undefined;
      rows.push({ group: 'redis', name: c.name, opsPerSec: ops, ...(note ? { note } : {}) });
    }

    const shared = fixedWindow({ limit: HUGE, windowMs: 1000, store: redisStore(redis, { prefix: `${prefix}leased:` }) });
    const local = leased(shared, { maxBatch: 10_000 });
    const leasedRate = (await runInterleaved([{ name: 'leased', op: () => local.consume('k'), inFlight: 1, rates: [] }])).get('leased') as number;
    await local.close();
    const rlfSeq = medians.get('rate-limiter-flexible Redis, sequential') as number;
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
