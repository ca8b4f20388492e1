/**
 * Shared breakers: how long after one process's breaker trips the others are open (trip to
 * `stateChange` in each follower), with 2 and 10 members, each on its own two Redis connections
 * (in this one process, so the event loop is shared: an upper bound for separate processes on an
 * idle machine). Also the cost of a call through a closed shared breaker against a plain one: the
 * hot path never touches Redis.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ManualClock } from '../src/core/clock.js';
import { type CircuitBreaker, circuitBreaker } from '../src/policies/breaker/circuit-breaker.js';
import { type BreakerSharing, breakerSharing } from '../src/fleet/shared-breaker.js';
import { type Row, printTable, timeAsync } from './harness.js';
import { benchRedisUrl, connectBenchRedis } from './redis.js';

const url = benchRedisUrl;
const ROUNDS = 300;

interface Member {
  breaker: CircuitBreaker;
  hub: BreakerSharing;
  redis: Redis;
  subscriber: Redis;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function members(count: number, prefix: string): Promise<Member[]> {
  const out: Member[] = [];
  for (let i = 0; i < count; i++) {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ name: 'venue', window: { kind: 'consecutive', failures: 1 }, openMs: 60_000, clock });
    const redis = new Redis(url);
    const subscriber = new Redis(url);
    const hub = breakerSharing({ redis, subscriber, prefix, clock });
    await hub.share(breaker);
    out.push({ breaker, hub, redis, subscriber });
  }
  return out;
}

async function propagation(count: number, prefix: string): Promise<Row[]> {
  const fleet = await members(count, prefix);
  const samples: number[] = [];
  const lastOfRound: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const origin = fleet[round % count]!;
      const followers = fleet.filter((m) => m !== origin);
      for (const m of followers) m.breaker.forceClose();
      origin.breaker.reset();
      const times: number[] = [];
      const done = new Promise<void>((resolve) => {
        const offs = followers.map((m) =>
          m.breaker.on('stateChange', (c) => {
            if (c.to !== 'open') return;
            times.push(performance.now() - start);
            if (times.length === followers.length) {
              for (const off of offs) off();
              resolve();
            }
          }),
        );
      });
      const start = performance.now();
      await origin.breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
      await done;
      samples.push(...times);
      lastOfRound.push(Math.max(...times));
    }
  } finally {
    for (const m of fleet) {
      await m.hub.close();
      m.redis.disconnect();
      m.subscriber.disconnect();
    }
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const slowest = [...lastOfRound].sort((a, b) => a - b);
  return [
    { group: 'propagation', name: `${count} members: trip -> a follower open, p50`, value: percentile(sorted, 50), unit: 'ms', note: `${ROUNDS} trips` },
    { group: 'propagation', name: `${count} members: trip -> a follower open, p99`, value: percentile(sorted, 99), unit: 'ms' },
    { group: 'propagation', name: `${count} members: trip -> every follower open, p50`, value: percentile(slowest, 50), unit: 'ms' },
    { group: 'propagation', name: `${count} members: trip -> every follower open, p99`, value: percentile(slowest, 99), unit: 'ms' },
    { group: 'propagation', name: `${count} members: trip -> every follower open, max`, value: slowest.at(-1) ?? NaN, unit: 'ms' },
  ];
}

interface Child {
  lines: string[];
  waitFor(prefix: string, from: number): Promise<string>;
  send(line: string): void;
  stop(): void;
}

function child(prefix: string): Child {
  const script = fileURLToPath(new URL('./shared-breakers-member.js', import.meta.url));
  const proc = spawn(process.execPath, [script, url, prefix], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = async (start: string, from: number): Promise<string> => {
    for (;;) {
      const found = lines.slice(from).find((l) => l.startsWith(start));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { lines, waitFor, send: (line) => proc.stdin.write(`${line}\n`), stop: () => proc.stdin.end() };
}

/** Followers in processes of their own: the time from the trip here to `stateChange` there. */
async function acrossProcesses(followers: number, prefix: string): Promise<Row[]> {
  const rounds = 100;
  const clock = new ManualClock();
  const breaker = circuitBreaker({ name: 'venue', window: { kind: 'consecutive', failures: 1 }, openMs: 60_000, clock });
  const redis = new Redis(url);
  const hub = breakerSharing({ redis, prefix, clock });
  await hub.share(breaker);
  const children = Array.from({ length: followers }, () => child(prefix));
  const samples: number[] = [];
  const slowest: number[] = [];
  try {
    await Promise.all(children.map((c) => c.waitFor('ready', 0)));
    for (let round = 0; round < rounds; round++) {
      const marks = children.map((c) => c.lines.length);
      for (const c of children) c.send('close');
      await Promise.all(children.map((c, i) => c.waitFor('closed', marks[i]!)));
      breaker.reset();
      const from = children.map((c) => c.lines.length);
      const start = performance.timeOrigin + performance.now();
      await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
      const opened = await Promise.all(children.map((c, i) => c.waitFor('open ', from[i]!)));
      const times = opened.map((line) => Number(line.slice('open '.length)) - start);
      samples.push(...times);
      slowest.push(Math.max(...times));
    }
  } finally {
    for (const c of children) c.stop();
    await hub.close();
    redis.disconnect();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const every = [...slowest].sort((a, b) => a - b);
  const label = `${followers + 1} processes`;
  return [
    { group: 'processes', name: `${label}: trip -> a follower open, p50`, value: percentile(sorted, 50), unit: 'ms', note: `${rounds} trips` },
    { group: 'processes', name: `${label}: trip -> a follower open, p99`, value: percentile(sorted, 99), unit: 'ms' },
    { group: 'processes', name: `${label}: trip -> every follower open, p50`, value: percentile(every, 50), unit: 'ms' },
    { group: 'processes', name: `${label}: trip -> every follower open, p99`, value: percentile(every, 99), unit: 'ms' },
  ];
}

async function hotPath(prefix: string): Promise<Row[]> {
  const plain = circuitBreaker({ name: 'venue' });
  const shared = circuitBreaker({ name: 'venue' });
  const redis = new Redis(url);
  const hub = breakerSharing({ redis, prefix });
  await hub.share(shared);
  const op = (): Promise<number> => Promise.resolve(1);
  try {
    const options = { iterations: 100_000, warmup: 20_000 };
    const plainNs = await timeAsync(() => plain.execute(op), options);
    const sharedNs = await timeAsync(() => shared.execute(op), options);
    return [
      { group: 'hot path', name: 'closed breaker, plain', nsPerOp: plainNs },
      { group: 'hot path', name: 'closed breaker, shared', nsPerOp: sharedNs, note: 'no Redis command per call' },
    ];
  } finally {
    await hub.close();
    redis.disconnect();
  }
}

export async function benchSharedBreakers(): Promise<Row[]> {
  const probe = await connectBenchRedis();
  if (!probe) return [];
  const prefix = `bench:${process.pid}:${Date.now()}:`;
  const rows: Row[] = [];
  try {
    rows.push(...(await propagation(2, `${prefix}2:`)));
    rows.push(...(await propagation(10, `${prefix}10:`)));
    printTable('Shared breakers: propagation of a trip (one process, separate connections)', rows);
    const processes = [...(await acrossProcesses(1, `${prefix}p1:`)), ...(await acrossProcesses(4, `${prefix}p4:`))];
    printTable('Shared breakers: propagation of a trip to follower processes', processes);
    rows.push(...processes);
    const hot = await hotPath(`${prefix}hot:`);
    printTable('Shared breakers: a call through a closed breaker', hot);
    rows.push(...hot);
  } finally {
    const keys = await probe.keys(`${prefix}*`);
    if (keys.length > 0) await probe.del(...keys);
    probe.disconnect();
  }
  return rows;
}
