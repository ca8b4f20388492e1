/**
 * Redis-backed limiters on one connection, side by side in one process with a bare PING (the
 * floor for one round trip per decision) and rate-limiter-flexible's Redis limiter: sequential
 * decisions (every algorithm, on one key and spread over 1,000 keys, each against
 * rate-limiter-flexible on as many keys), 64 decisions in flight, and leased mode (local spending
 * of batches reserved in Redis).
 *
 * rate-limiter-flexible has one Redis script (a fixed window counted with INCRBY, its window
 * started by the first call and its clock the key's expiry), so every algorithm of ours is
 * compared with that one; ours read Redis server TIME on every decision.
 *
 * Cases run interleaved in many short rounds, every other round in reverse order, and each keeps
 * its median: on a shared machine a neighbour's burst then lands on every case alike instead of
 * on whichever case was running. A ratio is the median over rounds of ours / theirs measured in
 * the same round (next to each other in time), printed with its lowest and highest round.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimiter } from '../src/limits/index.js';
import { fixedWindow, gcra, leased, redisStore, slidingWindow, tokenBucket } from '../src/limits/index.js';
import { type Row, printTable } from './harness.js';
import { connectBenchRedis } from './redis.js';

/** Each case runs ROUNDS times for ROUND_MS, cases interleaved, and the median is kept: 15 rounds
 * of 200 ms give each case 3 s and a median that one bad round cannot move. */
const ROUNDS = 15;
const ROUND_MS = 200;
/** Limits no benchmark reaches, so every decision is an admission (the common path). */
const HUGE = 1_000_000_000;
/** Keys of the spread cases, prebuilt so that every case pays the same (nothing) to pick one. */
const KEYS = Array.from({ length: 1000 }, (_, i) => `k${i}`);

interface Case {
  name: string;
  op: () => Promise<unknown>;
  inFlight: number;
  /** The case this one is compared with, round by round. */
  against?: string;
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

function median(values: number[]): number {
  return [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
}

async function runInterleaved(cases: Case[]): Promise<void> {
  for (const c of cases) for (let i = 0; i < 500; i++) await c.op(); // warm-up: scripts loaded, JIT settled
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const c of order) c.rates.push(await rate(c.op, c.inFlight));
  }
}

/** A case's row: its median rate, its time against PING's, and its per-round ratio to the case it is compared with. */
function rowOf(c: Case, byName: Map<string, Case>, ping: Case | undefined): Row {
  const ops = median(c.rates);
  const notes: string[] = [];
  if (ping && c !== ping) notes.push(`${(median(ping.rates) / ops).toFixed(2)}x PING time`);
  const other = c.against === undefined ? undefined : byName.get(c.against);
  if (other) {
    const ratios = c.rates.map((r, i) => r / (other.rates[i] as number));
    notes.push(
      `${median(ratios).toFixed(2)}x ${other.name.replace(/, (sequential|64 in flight)$/, '')}'s rate (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`,
    );
  }
  return { group: 'redis', name: c.name, opsPerSec: ops, note: notes.join('; ') };
}

export async function benchLimitsRedis(): Promise<Row[]> {
  const redis = await connectBenchRedis();
  if (!redis) return [];
  const prefix = `bench:${process.pid}:${Date.now()}:`;
  const rows: Row[] = [];
  try {
    const rlf = new RateLimiterRedis({ storeClient: redis, points: HUGE, duration: 60, keyPrefix: `${prefix}rlf` });
    const store = redisStore(redis, { prefix });
    const ours: Record<string, RateLimiter> = {
      tokenBucket: tokenBucket({ capacity: HUGE, refillPerSecond: HUGE, store }),
      gcra: gcra({ limit: HUGE, periodMs: 1000, burst: HUGE, store }),
      fixedWindow: fixedWindow({ limit: HUGE, windowMs: 60_000, store }),
      'slidingWindow counter': slidingWindow({ limit: HUGE, windowMs: 60_000, mode: 'counter', store }),
      // The exact log keeps one list entry per admitted unit for a window: a one-second window
      // holds a second's decisions, a limit no case reaches.
      'slidingWindow log': slidingWindow({ limit: 10_000_000, windowMs: 1000, store }),
    };
    const cases: Case[] = [];
    const add = (name: string, op: () => Promise<unknown>, inFlight: number, against?: string): void =>
      void cases.push({ name, op, inFlight, rates: [], ...(against === undefined ? {} : { against }) });
    // What any script decision pays before its own work: EVALSHA itself, then reading TIME.
    const floors = {
      'EVALSHA of return 1': await redis.script('LOAD', 'return 1'),
      'EVALSHA reading TIME': await redis.script('LOAD', "local t = redis.call('TIME') return 1"),
      'EVALSHA reading TIME, one INCRBY': await redis.script('LOAD', "local t = redis.call('TIME') return redis.call('INCRBY', KEYS[1], 1)"),
    };
    for (const [name, sha] of Object.entries(floors)) {
      add(`floor: ${name}, sequential`, () => redis.evalsha(sha as string, 1, `${prefix}floor`, 1), 1);
    }
    let next = 0;
    const spread = (): string => KEYS[next++ % 1000] as string;
    for (const inFlight of [1, 64]) {
      const how = inFlight === 1 ? 'sequential' : '64 in flight';
      const theirs = `rate-limiter-flexible Redis, ${how}`;
      const theirsSpread = `rate-limiter-flexible Redis (1000 keys), ${how}`;
      add(`bare PING, ${how}`, () => redis.ping(), inFlight);
      add(theirs, () => rlf.consume('k'), inFlight);
      for (const [name, limiter] of Object.entries(ours)) add(`bulwark ${name}, ${how}`, () => limiter.consume('k'), inFlight, theirs);
      add(theirsSpread, () => rlf.consume(spread()), inFlight);
      for (const [name, limiter] of Object.entries(ours)) add(`bulwark ${name} (1000 keys), ${how}`, () => limiter.consume(spread()), inFlight, theirsSpread);
    }
    await runInterleaved(cases);
    const byName = new Map(cases.map((c) => [c.name, c]));
    for (const c of cases) rows.push(rowOf(c, byName, byName.get(`bare PING, ${c.inFlight === 1 ? 'sequential' : '64 in flight'}`)));

    const shared = fixedWindow({ limit: HUGE, windowMs: 1000, store: redisStore(redis, { prefix: `${prefix}leased:` }) });
    const local = leased(shared, { maxBatch: 10_000 });
    const leasedCase: Case = { name: 'bulwark leased fixedWindow (maxBatch 10,000), sequential', op: () => local.consume('k'), inFlight: 1, rates: [] };
    await runInterleaved([leasedCase]);
    await local.close();
    const rlfSeq = median((byName.get('rate-limiter-flexible Redis, sequential') as Case).rates);
    rows.push({ group: 'redis', name: leasedCase.name, opsPerSec: median(leasedCase.rates), note: `${(median(leasedCase.rates) / rlfSeq).toFixed(2)}x rate-limiter-flexible's sequential rate` });
  } finally {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
    redis.disconnect();
  }
  printTable('Limits (Redis): decisions per second on one connection', rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLimitsRedis();
