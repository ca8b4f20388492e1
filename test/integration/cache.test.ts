/**
 * The resilient cache against a real Redis that is stopped and started again. The test runs its
 * own redis-server on a free port (never the shared one), and waits on process and client
 * events, not on timers.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { type CacheRedisClient, ResilientCache } from '../../src/cache/resilient-cache.js';
import { ManualClock } from '../../src/core/clock.js';
import { freePort, probeRedisServerBinary, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { describeWith, requireService } from '../support/services.js';

const available = await requireService('redis-server (binary, to run a private instance)', probeRedisServerBinary);

/** Resolves on the client's next `name` event; unlike events.once, an 'error' event meanwhile (reconnect attempts) does not reject it. */
function eventOf(client: Redis, name: 'close' | 'ready'): Promise<void> {
  return new Promise((resolve) => client.once(name, () => resolve()));
}

const processes: ChildProcess[] = [];
const clients: Redis[] = [];
afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const child of processes) await stopRedisServer(child);
});

describeWith(available, 'resilient cache with a real Redis stopped and started again', () => {
  it('falls back to memory when Redis stops, serves transparently, and resyncs with TTLs when it returns', async () => {
    const port = await freePort();
    let server = await startRedisServer(port);
    processes.push(server);
    const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50, lazyConnect: true });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    const redis: CacheRedisClient = client;

    const clock = new ManualClock(Date.now());
    const cache = new ResilientCache<{ px: number }>({ redis, clock, failureThreshold: 2, openMs: 5_000, prefix: 'it:' });
    await cache.set('btc', { px: 100 }, 60_000);
    expect(await client.get('it:btc')).toBe('{"px":100}');
    expect(await client.pttl('it:btc')).toBeGreaterThan(0);

    // Redis goes away.
    const closed = eventOf(client, 'close');
    await stopRedisServer(server);
    await closed;
    await cache.set('eth', { px: 5 }, 60_000);
    await cache.set('sol', { px: 1 }, 30_000);
    expect(cache.mode).toBe('memory');
    expect(await cache.get('btc')).toEqual({ px: 100 }); // written before the outage: served from memory
    expect(await cache.get('eth')).toEqual({ px: 5 });
    await cache.delete('btc');
    expect(await cache.get('btc')).toBeUndefined();
    expect(cache.pendingResync).toBe(3);

    // Redis comes back (empty: no persistence), the client reconnects, the guard probes after openMs.
    const ready = eventOf(client, 'ready');
    server = await startRedisServer(port);
    processes.push(server);
    await ready;
    await clock.advance(5_000);
    expect(await cache.get('eth')).toEqual({ px: 5 });
    expect(cache.mode).toBe('redis');
    expect(cache.pendingResync).toBe(0);
    expect(await client.get('it:eth')).toBe('{"px":5}');
    expect(await client.get('it:sol')).toBe('{"px":1}');
    const solTtl = await client.pttl('it:sol');
    expect(solTtl).toBeGreaterThan(0);
    expect(solTtl).toBeLessThanOrEqual(25_000); // 30 s TTL minus the 5 s that passed on the cache's clock
    expect(await client.exists('it:btc')).toBe(0);
  });
});
