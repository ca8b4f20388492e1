import { describe, expect, it } from 'vitest';
import { type CacheRedisClient, ResilientCache } from '../../src/cache/resilient-cache.js';
import { ManualClock } from '../../src/core/clock.js';
import { HealthRegistry } from '../../src/health/registry.js';

/** An in-memory Redis stand-in that can be switched off (rejects) or made to hang. */
class FakeRedis implements CacheRedisClient {
  data = new Map<string, { value: string; expiresAt: number }>();
  mode: 'up' | 'down' | 'hang' = 'up';
  constructor(private readonly clock: ManualClock) {}
  private gate(): Promise<void> {
    if (this.mode === 'down') return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.mode === 'hang') return new Promise(() => undefined);
    return Promise.resolve();
  }
  async get(key: string) {
    await this.gate();
    const entry = this.data.get(key);
    return entry && entry.expiresAt > this.clock.now() ? entry.value : null;
  }
  async set(key: string, value: string, _mode: 'PX', ttlMs: number) {
    await this.gate();
    this.data.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    return 'OK';
  }
  async del(key: string) {
    await this.gate();
    return this.data.delete(key) ? 1 : 0;
  }
  async ping() {
    await this.gate();
    return 'PONG';
  }
}

function setup() {
  const clock = new ManualClock(1_000_000);
  const redis = new FakeRedis(clock);
  const cache = new ResilientCache<{ px: number }>({ redis, clock, failureThreshold: 2, openMs: 5_000, commandTimeoutMs: 100, prefix: 'p:' });
  const events: string[] = [];
  cache.on('fallback', () => events.push('fallback'));
  cache.on('recovered', (e) => events.push(`recovered:${e.resynced}`));
  return { clock, redis, cache, events };
}

describe('ResilientCache', () => {
  it('uses Redis while it works, with the TTL as PX', async () => {
    const { redis, cache } = setup();
    await cache.set('btc', { px: 1 }, 10_000);
    expect(redis.data.get('p:btc')?.value).toBe('{"px":1}');
    expect(await cache.get('btc')).toEqual({ px: 1 });
    expect(cache.mode).toBe('redis');
  });

  it('falls back to memory after consecutive failures, serving what it wrote and read', async () => {
    const { redis, cache, events } = setup();
    await cache.set('btc', { px: 1 });
    redis.mode = 'down';
    expect(await cache.get('btc')).toEqual({ px: 1 });
    expect(cache.mode).toBe('redis'); // one failure: below the threshold
    await cache.set('eth', { px: 2 });
    expect(cache.mode).toBe('memory');
    expect(events).toEqual(['fallback']);
    expect(await cache.get('eth')).toEqual({ px: 2 });
    expect(cache.pendingResync).toBe(1);
  });

  it('a hanging Redis counts as failing after the command timeout (injected clock)', async () => {
    const { clock, redis, cache } = setup();
    await cache.set('btc', { px: 1 });
    redis.mode = 'hang';
    const read = cache.get('btc');
    await clock.advance(100);
    expect(await read).toEqual({ px: 1 });
  });

  it('respects TTLs in memory while Redis is out', async () => {
    const { clock, redis, cache } = setup();
    redis.mode = 'down';
    await cache.set('a', { px: 1 }, 1_000);
    await cache.set('b', { px: 2 }, 1_000);
    await clock.advance(999);
    expect(await cache.get('a')).toEqual({ px: 1 });
    await clock.advance(1);
    expect(await cache.get('a')).toBeUndefined();
  });

  it('resynchronises writes and deletes made during the outage when Redis returns, with the remaining TTL', async () => {
    const { clock, redis, cache, events } = setup();
    await cache.set('gone', { px: 0 });
    redis.mode = 'down';
    await cache.set('x', { px: 1 }, 60_000);
    await cache.set('y', { px: 2 }, 60_000);
    await cache.delete('gone');
    expect(cache.mode).toBe('memory');
    redis.mode = 'up';
    await clock.advance(4_999);
    await cache.get('x'); // still open: no probe yet
    expect(redis.data.has('p:x')).toBe(false);
    await clock.advance(1);
    expect(await cache.get('x')).toEqual({ px: 1 });
    expect(cache.mode).toBe('redis');
    expect(events).toEqual(['fallback', 'recovered:3']);
    expect(redis.data.get('p:y')?.value).toBe('{"px":2}');
    expect(redis.data.get('p:x')!.expiresAt).toBe(1_000_000 + 60_000);
    expect(redis.data.has('p:gone')).toBe(false);
    expect(cache.pendingResync).toBe(0);
  });

  it('stays in memory when the probe fails, and tries again openMs later', async () => {
    const { clock, redis, cache } = setup();
    redis.mode = 'down';
    await cache.set('x', { px: 1 });
    await cache.set('x', { px: 2 });
    await clock.advance(5_000);
    expect(await cache.get('x')).toEqual({ px: 2 });
    expect(cache.guardState).toBe('open');
    redis.mode = 'up';
    await clock.advance(5_000);
    expect(await cache.resync()).toBe(true);
    expect(redis.data.get('p:x')?.value).toBe('{"px":2}');
  });

  it('its health check is up on Redis and degraded on memory, naming the pending resync', async () => {
    const { redis, cache } = setup();
    const registry = new HealthRegistry({ clock: new ManualClock() });
    registry.register(cache.healthCheck());
    expect((await registry.check({ fresh: true })).checks[0]!.status).toBe('up');
    redis.mode = 'down';
    await cache.set('a', { px: 1 });
    await cache.set('b', { px: 1 });
    const check = (await registry.check({ fresh: true })).checks[0]!;
    expect(check).toMatchObject({ status: 'degraded', message: 'Redis unavailable: serving from memory, 2 change(s) waiting for resync' });
  });

  it('rejects bad options with the option named', () => {
    const redis = new FakeRedis(new ManualClock());
    expect(() => new ResilientCache({ redis, openMs: 0 })).toThrow('resilientCache: openMs must be a finite number > 0, got 0');
    expect(() => new ResilientCache({ redis, maxEntries: 2.5 })).toThrow('resilientCache: maxEntries must be an integer >= 1, got 2.5');
    expect(() => new ResilientCache({} as never)).toThrow(/redis/);
  });
});
