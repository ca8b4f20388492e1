/** Four OS processes share one Redis-backed limit; no rolling window may exceed it. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteKeys, describeWith, probeRedis, redisUrl, requireService } from '../support/services.js';
import { maxInRollingWindow } from '../limits/rolling.js';

const available = await requireService(`Redis at ${redisUrl}`, probeRedis);

const worker = fileURLToPath(new URL('./fixtures/limits-worker.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = `test:${process.pid}:${Date.now()}:procs:`;
const LIMIT = 40;
const WINDOW_MS = 500;

interface Phase {
  admissions: Array<[number, number]>;
  decisions: number;
}
interface WorkerResult {
  plain: Phase;
  leased: Phase;
}

interface Worker {
  ready: Promise<void>;
  go(): void;
  result: Promise<WorkerResult>;
}

function startWorker(): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, redisUrl, run, String(LIMIT), String(WINDOW_MS), '1500', '8'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const result = new Promise<WorkerResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.slice('ready\n'.length)) as WorkerResult);
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), result };
}

let results: WorkerResult[] = [];

describeWith(available, 'four processes sharing one limit on Redis', () => {
  afterAll(async () => {
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, run);
    redis.disconnect();
  });

  beforeAll(async () => {
    const workers = [0, 1, 2, 3].map(() => startWorker());
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    results = await Promise.all(workers.map((w) => w.result));
  }, 30_000);

  it('plain decisions: no rolling window holds more than the limit', () => {
    const admissions = results.flatMap((r) => r.plain.admissions);
    // The true admission time lies between send and reply; measuring on reply times, a window
    // shortened by the slowest round trip is guaranteed to sit inside a true window.
    const slowest = Math.max(...admissions.map(([sent, replied]) => replied - sent));
    expect(maxInRollingWindow(admissions.map(([, replied]) => replied), WINDOW_MS - slowest)).toBeLessThanOrEqual(LIMIT);
    // The processes really contended: each was admitted, and the limit was reached.
    expect(results.every((r) => r.plain.admissions.length > 0)).toBe(true);
    expect(maxInRollingWindow(admissions.map(([, replied]) => replied), WINDOW_MS)).toBeGreaterThanOrEqual(LIMIT - 1);
  });

  it('leased mode: local spends across processes never exceed the limit in any rolling window', () => {
    const spends = results.flatMap((r) => r.leased.admissions.map(([at]) => at));
    expect(maxInRollingWindow(spends, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
    expect(results.filter((r) => r.leased.admissions.length > 0).length).toBeGreaterThanOrEqual(2);
  });
});
