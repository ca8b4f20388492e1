/**
 * In-memory rate limiters, side by side in one process with rate-limiter-flexible (memory),
 * limiter (a token bucket per key, kept in a Map), bottleneck and p-queue: decisions/s with 1 key
 * and with 100,000 keys, heap bytes per key, acquire-queue throughput, and the edge-attack
 * accuracy table (ours and the peers').
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Bottleneck from 'bottleneck';
import { RateLimiter as LimiterRateLimiter, TokenBucket } from 'limiter';
import PQueue from 'p-queue';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { fixedWindow, gcra, slidingWindow, tokenBucket } from '../src/limits/index.js';
import type { RateLimiter } from '../src/limits/rate-limiter.js';
import { type Row, collectGarbage, printTable, ratio, timeAsync, timeSync } from './harness.js';

const KEYS = 100_000;
/** Bounded rounds: a few seconds per case even for the slowest peer. */
const MEASURE = { iterations: 50_000, rounds: 3, warmup: 20_000 };
/** Limits no benchmark reaches, so every decision is an admission (the common path). */
const HUGE = 1_000_000_000;

function exposeGc(): void {
  if ((globalThis as { gc?: unknown }).gc) return;
  setFlagsFromString('--expose-gc');
  (globalThis as { gc?: unknown }).gc = runInNewContext('gc');
}

const ours: Record<string, () => RateLimiter> = {
  tokenBucket: () => tokenBucket({ capacity: HUGE, refillPerSecond: HUGE }),
  gcra: () => gcra({ limit: HUGE, periodMs: 1000 }),
  fixedWindow: () => fixedWindow({ limit: HUGE, windowMs: 1000 }),
  'slidingWindow counter': () => slidingWindow({ limit: HUGE, windowMs: 1000, mode: 'counter' }),
  'slidingWindow log (limit 4)': () => slidingWindow({ limit: 4, windowMs: 1 }),
};

async function decisions(): Promise<Row[]> {
  const rows: Row[] = [];
  const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);
  for (const [label, pick] of [
    ['1 key', () => 'user:0'],
    ['100,000 keys', (() => {
      let i = 0;
      return () => keys[(i = (i + 1) % KEYS)] as string;
    })()],
  ] as const) {
    collectGarbage();
    const rlf = new RateLimiterMemory({ points: HUGE, duration: 1 });
    const theirs = await timeAsync(() => rlf.consume(pick()), MEASURE);
    rows.push({ group: 'decisions', name: `rate-limiter-flexible memory, ${label}`, nsPerOp: theirs });
    for (const [name, make] of Object.entries(ours)) {
      collectGarbage(); // each case starts from the same clean heap, not the last one's garbage
      const limiter = make();
      const ns = await timeAsync(() => limiter.consume(pick()), MEASURE);
      rows.push({ group: 'decisions', name: `bulwark ${name}, ${label}`, nsPerOp: ns, note: `${ratio(ns, theirs)} rate-limiter-flexible` });
    }
    collectGarbage();
    const sync = tokenBucket({ capacity: HUGE, refillPerSecond: HUGE });
    const ns = timeSync(() => sync.tryConsume(pick()), MEASURE);
    // limiter keeps one bucket and has no keys: a Map of buckets is how it serves many keys.
    collectGarbage();
    const buckets = new Map<string, TokenBucket>();
    const bucketOf = (key: string): TokenBucket => {
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = new TokenBucket({ bucketSize: HUGE, tokensPerInterval: HUGE, interval: 'second' })));
      return bucket;
    };
    const limiterNs = timeSync(() => bucketOf(pick()).tryRemoveTokens(1), MEASURE);
    rows.push({
      group: 'decisions',
      name: `bulwark tokenBucket tryConsume (sync), ${label}`,
      nsPerOp: ns,
      note: `${ratio(ns, theirs)} rate-limiter-flexible; ${ratio(ns, limiterNs)} limiter`,
    });
    rows.push({ group: 'decisions', name: `limiter TokenBucket tryRemoveTokens (sync, a Map of buckets), ${label}`, nsPerOp: limiterNs });
  }
  // One bucket held directly, no key to look up: how limiter is used for a single limit.
  collectGarbage();
  const single = new TokenBucket({ bucketSize: HUGE, tokensPerInterval: HUGE, interval: 'second' });
  rows.push({ group: 'decisions', name: 'limiter TokenBucket tryRemoveTokens (sync, one bucket held directly, no key)', nsPerOp: timeSync(() => single.tryRemoveTokens(1), MEASURE) });
  return rows;
}

function memory(): Row[] {
  exposeGc();
  const rows: Row[] = [];
  const count = KEYS;
  const keys = Array.from({ length: count }, (_, i) => `user:${i}`);
  // Keys exist before measuring: what is counted is each limiter's own state per key, on the
  // heap and in typed-array backing stores (which live outside the JS heap).
  const used = (): number => {
    collectGarbage();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const measure = (consume: (key: string) => unknown): number => {
    const before = used();
    for (let i = 0; i < count; i++) consume(keys[i] as string);
    return (used() - before) / count;
  };
  // Every limiter stays referenced to the end, so no earlier one is freed during a later measurement.
  const alive: unknown[] = [];
  const rlf = new RateLimiterMemory({ points: HUGE, duration: 60 });
  alive.push(rlf);
  const theirs = measure((key) => void rlf.consume(key));
  rows.push({ group: 'memory', name: 'rate-limiter-flexible memory', value: theirs, unit: 'B/key' });
  const buckets = new Map<string, TokenBucket>();
  alive.push(buckets);
  const limiterBytes = measure((key) => {
    const bucket = new TokenBucket({ bucketSize: 10, tokensPerInterval: 1, interval: 'hour' });
    bucket.tryRemoveTokens(1);
    buckets.set(key, bucket);
  });
  rows.push({ group: 'memory', name: 'limiter TokenBucket (a Map of buckets)', value: limiterBytes, unit: 'B/key' });
  // Parameters chosen so no key's state returns to idle during the measurement (idle keys are
  // swept and their memory reused, which would flatter the figures).
  for (const [name, make] of Object.entries({
    tokenBucket: () => tokenBucket({ capacity: 10, refillPerSecond: 1 / 3600 }),
    gcra: () => gcra({ limit: 10, periodMs: 3_600_000 }),
    fixedWindow: () => fixedWindow({ limit: 10, windowMs: 3_600_000 }),
    'slidingWindow counter': () => slidingWindow({ limit: 10, windowMs: 3_600_000, mode: 'counter' }),
    'slidingWindow log (limit 10)': () => slidingWindow({ limit: 10, windowMs: 3_600_000 }),
  })) {
    const limiter = make();
    alive.push(limiter);
    const bytes = measure((key) => void limiter.tryConsume(key));
    rows.push({ group: 'memory', name: `bulwark ${name}`, value: bytes, unit: 'B/key', note: `${ratio(bytes, theirs)} less than rate-limiter-flexible` });
  }
  if (alive.length === 0) throw new Error('unreachable');
  return rows;
}

async function queueThroughput(): Promise<Row[]> {
  const jobs = 20_000;
  const limiter = tokenBucket({ capacity: HUGE, refillPerSecond: HUGE });
  let start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: jobs }, (_, i) => limiter.acquire('k', 1, { priority: i % 3 })));
  const oursNs = Number(process.hrtime.bigint() - start) / jobs;
  const bottleneck = new Bottleneck({ maxConcurrent: null, minTime: 0 });
  start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: jobs }, (_, i) => bottleneck.schedule({ priority: i % 3 }, () => Promise.resolve())));
  const theirsNs = Number(process.hrtime.bigint() - start) / jobs;
  await bottleneck.stop();
  const queue = new PQueue({ concurrency: Number.POSITIVE_INFINITY, intervalCap: HUGE, interval: 1000 });
  start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: jobs }, (_, i) => queue.add(() => Promise.resolve(), { priority: i % 3 })));
  const pQueueNs = Number(process.hrtime.bigint() - start) / jobs;
  return [
    {
      group: 'queue',
      name: `bulwark acquire queue (${jobs.toLocaleString('en-US')} acquires at once, 3 priorities)`,
      nsPerOp: oursNs,
      note: `${ratio(oursNs, theirsNs)} bottleneck; ${ratio(oursNs, pQueueNs)} p-queue`,
    },
    { group: 'queue', name: 'bottleneck schedule (same jobs)', nsPerOp: theirsNs },
    { group: 'queue', name: 'p-queue add with intervalCap (same jobs)', nsPerOp: pQueueNs },
  ];
}

/** The edge attack (limit 10/s: 1 call at 0, 20 at 985 ms, 20 at 1005 ms): admitted, and most in a rolling second. */
async function edgeAttack(): Promise<Row[]> {
  const attack: Array<[number, number]> = [[0, 1], [985, 20], [1005, 20]];
  const rolling = (times: number[]): number => {
    let best = 0;
    for (const t of times) best = Math.max(best, times.filter((u) => u >= t && u < t + 1000).length);
    return best;
  };
  const rows: Row[] = [];
  const base = 1_700_000_000_000;
  let now = base;
  const clock = { now: () => now, sleep: () => Promise.resolve() };
  for (const [name, limiter] of Object.entries({
    'bulwark slidingWindow log': slidingWindow({ limit: 10, windowMs: 1000, clock }),
    'bulwark slidingWindow counter': slidingWindow({ limit: 10, windowMs: 1000, mode: 'counter', clock }),
    'bulwark fixedWindow': fixedWindow({ limit: 10, windowMs: 1000, clock }),
    'bulwark tokenBucket': tokenBucket({ capacity: 10, refillPerSecond: 10, clock }),
    'bulwark gcra': gcra({ limit: 10, periodMs: 1000, clock }),
  })) {
    const admitted: number[] = [];
    for (const [at, count] of attack) {
      now = base + at;
      for (let i = 0; i < count; i++) if (limiter.tryConsume('k').allowed) admitted.push(at);
    }
    rows.push({ group: 'edge', name, value: admitted.length, unit: 'admitted', note: `${rolling(admitted)} in the worst rolling second` });
  }
  // limiter reads performance.now(): drive it the same way.
  const realPerformanceNow = performance.now.bind(performance);
  try {
    for (const [name, make] of Object.entries({
      'limiter TokenBucket (size 10, 10 per second)': () => {
        const bucket = new TokenBucket({ bucketSize: 10, tokensPerInterval: 10, interval: 'second' });
        return () => bucket.tryRemoveTokens(1);
      },
      'limiter RateLimiter (10 per second)': () => {
        const limiter = new LimiterRateLimiter({ tokensPerInterval: 10, interval: 'second' });
        return () => limiter.tryRemoveTokens(1);
      },
    })) {
      performance.now = () => 0;
      const take = make();
      const admitted: number[] = [];
      for (const [at, count] of attack) {
        performance.now = () => at;
        for (let i = 0; i < count; i++) if (take()) admitted.push(at);
      }
      rows.push({ group: 'edge', name, value: admitted.length, unit: 'admitted', note: `${rolling(admitted)} in the worst rolling second` });
    }
  } finally {
    performance.now = realPerformanceNow;
  }
  // rate-limiter-flexible reads Date.now(): drive it the same way.
  const realNow = Date.now;
  try {
    const rlf = new RateLimiterMemory({ points: 10, duration: 1 });
    const admitted: number[] = [];
    for (const [at, count] of attack) {
      Date.now = () => base + at;
      for (let i = 0; i < count; i++) {
        const ok = await rlf.consume('k').then(() => true, () => false);
        if (ok) admitted.push(at);
      }
    }
    rows.push({ group: 'edge', name: 'rate-limiter-flexible memory', value: admitted.length, unit: 'admitted', note: `${rolling(admitted)} in the worst rolling second` });
  } finally {
    Date.now = realNow;
  }
  return rows;
}

export async function benchLimitsMemory(): Promise<Row[]> {
  const d = await decisions();
  printTable('Limits (memory): decisions per second, sequential awaited consume', d);
  const m = memory();
  printTable(`Limits (memory): heap bytes per key (${KEYS.toLocaleString('en-US')} keys)`, m);
  const q = await queueThroughput();
  printTable('Limits: acquire queue throughput', q);
  const e = await edgeAttack();
  printTable('Limits: edge attack, limit 10 per second', e);
  return [...d, ...m, ...q, ...e];
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLimitsMemory();
