/**
 * In-memory rate limiters, side by side with rate-limiter-flexible (memory) and bottleneck in
 * one process: decisions/s with 1 key and with 100,000 keys, heap bytes per key, acquire-queue
 * throughput, and the edge-attack accuracy table (ours and rate-limiter-flexible's).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Bottleneck from 'bottleneck';
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
    const rlf = new RateLimiterMemory({ points: HUGE, duration: 1 });
    const theirs = await timeAsync(() => rlf.consume(pick()), MEASURE);
    rows.push({ group: 'decisions', name: `rate-limiter-flexible memory, ${label}`, nsPerOp: theirs });
    for (const [name, make] of Object.entries(ours)) {
      const limiter = make();
      const ns = await timeAsync(() => limiter.consume(pick()), MEASURE);
      rows.push({ group: 'decisions', name: `bulwark ${name}, ${label}`, nsPerOp: ns, note: `${ratio(ns, theirs)} rate-limiter-flexible` });
    }
    const sync = tokenBucket({ capacity: HUGE, refillPerSecond: HUGE });
    const ns = timeSync(() => sync.tryConsume(pick()), MEASURE);
    rows.push({ group: 'decisions', name: `bulwark tokenBucket tryConsume (sync), ${label}`, nsPerOp: ns, note: `${ratio(ns, theirs)} rate-limiter-flexible` });
  }
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
  return [
    { group: 'queue', name: `bulwark acquire queue (${jobs.toLocaleString('en-US')} acquires at once, 3 priorities)`, nsPerOp: oursNs, note: `${ratio(oursNs, theirsNs)} bottleneck` },
    { group: 'queue', name: 'bottleneck schedule (same jobs)', nsPerOp: theirsNs },
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
