/**
 * Redis stopped mid-run, then started again, on a private redis-server (never the shared one):
 * fail-closed rejects with LimiterUnavailableError, fail-open decides with the insurance limiter,
 * neither hangs, and both go back to Redis once it answers again.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LimiterUnavailableError } from '../../src/limits/errors.js';
import { fixedWindow } from '../../src/limits/fixed-window.js';
import { redisStore } from '../../src/limits/stores/redis.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { freePort, probeRedisServerBinary, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { describeWith, requireService } from '../support/services.js';

const available = await requireService('redis-server binary', probeRedisServerBinary);

let port = 0;
let server: ChildProcess | undefined;

async function startRedis(): Promise<void> {
  server = await startRedisServer(port);
}

async function stopRedis(): Promise<void> {
  const child = server;
  server = undefined;
  if (child) await stopRedisServer(child);
}

/** Settles within `ms` or fails the test: the store must never hang. */
function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms: hung`)), ms))]);
}

async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await settlesWithin(once(client, 'ready'), 10_000);
}

describeWith(available, 'Redis outage and recovery', () => {
  let client: Redis;

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    // Connection errors while the server is down are expected here; the store reports them itself.
    client.on('error', () => undefined);
    await ready(client);
  });

  afterAll(async () => {
    client.disconnect();
    await stopRedis();
  });

  it('fail-closed (no insurance): rejects with LimiterUnavailableError while down, recovers when Redis is back', async () => {
    const store = redisStore(client, { prefix: 'closed:', commandTimeoutMs: 300 });
    const events: string[] = [];
    store.on('unavailable', () => events.push('unavailable'));
    store.on('recovered', () => events.push('recovered'));
    const limiter = fixedWindow({ limit: 100, windowMs: 60_000, store });
    expect((await limiter.consume('orders')).allowed).toBe(true);

    await stopRedis();
    const error = await settlesWithin(limiter.consume('orders'), 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimiterUnavailableError);
    expect((error as LimiterUnavailableError).code).toBe('LIMITER_UNAVAILABLE');
    expect((error as Error).message).toMatch(/unreachable.*failing closed/);
    await expect(settlesWithin(limiter.acquire('orders'), 5000)).rejects.toBeInstanceOf(LimiterUnavailableError);
    expect(store.available).toBe(false);

    await startRedis();
    await ready(client);
    const after = await limiter.consume('orders');
    expect(after.allowed).toBe(true);
    expect(store.available).toBe(true);
    expect(events).toEqual(['unavailable', 'recovered']);
  });

  it('fail-open: decides with the insurance limiter (a local share) while down, then returns to Redis', async () => {
    const insurance = tokenBucket({ capacity: 2, refillPerSecond: 0.001 });
    const store = redisStore(client, { prefix: 'open:', commandTimeoutMs: 300, insurance });
    const limiter = fixedWindow({ limit: 100, windowMs: 60_000, store });
    expect(await limiter.consume('quotes')).toMatchObject({ allowed: true, remaining: 99 });

    await stopRedis();
    const during = [];
    for (let i = 0; i < 3; i++) during.push(await settlesWithin(limiter.consume('quotes'), 5000));
    // The insurance bucket of 2 answers: two admitted, the third denied by the local share.
    expect(during.map((d) => d.allowed)).toEqual([true, true, false]);

    await startRedis();
    await ready(client);
    // Back on Redis: its count (fresh server, nothing persisted) decides again.
    expect(await limiter.consume('quotes')).toMatchObject({ allowed: true, remaining: 99 });
  });
});
