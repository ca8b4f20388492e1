/**
 * The fault proxy between the program and the real Redis of this machine: `resetPeer` makes
 * ioredis see ECONNRESET, and it reconnects once the toxic is removed; latency and a slicer leave
 * the answers right. Keys live under `h_chaosn:`. Skips with one line when Redis is unreachable
 * (fails instead with BULWARK_REQUIRE_SERVICES=1).
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import { faultProxy, type FaultProxy, type FaultProxyOptions } from '../../src/chaos/proxy/fault-proxy.js';
import { ManualClock } from '../../src/core/clock.js';
import { eventually, next } from '../chaos/proxy/net-helpers.js';
import { deleteKeys, describeWith, probeRedis, redisUrl, requireService } from '../support/services.js';

const available = await requireService('Redis', probeRedis);
const target = new URL(redisUrl);
const upstream = `${target.hostname}:${target.port || '6379'}`;
const prefix = `h_chaosn:proxy:${process.pid}:`;

const proxies: FaultProxy[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  if (!available) return;
  const admin = new Redis(redisUrl);
  await deleteKeys(admin, prefix);
  admin.disconnect();
});

/** A proxy on a port the OS picks (`p.listen.port`): a fixed one can be in use by another test's connection. */
async function proxy(options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  const p = await faultProxy({ name: 'redis', listen: '127.0.0.1:0', upstream, ...options });
  proxies.push(p);
  return p;
}

function through(p: FaultProxy): Redis & { errors: NodeJS.ErrnoException[] } {
  const url = new URL(redisUrl);
  url.hostname = '127.0.0.1';
  url.port = String(p.listen.port);
  const c = Object.assign(new Redis(url.toString(), { maxRetriesPerRequest: 0, retryStrategy: () => 20, enableOfflineQueue: false, lazyConnect: true }), { errors: [] as NodeJS.ErrnoException[] });
  c.on('error', (error: NodeJS.ErrnoException) => c.errors.push(error));
  clients.push(c);
  return c;
}

describeWith(available, 'fault proxy in front of Redis', () => {
  it('resetPeer: ioredis sees ECONNRESET; once the toxic is removed it reconnects and works', async () => {
    const p = await proxy();
    const c = through(p);
    await c.connect();
    await c.set(`${prefix}a`, 'before');
    p.addToxic({ name: 'reset', type: 'resetPeer', direction: 'upstream', attributes: { delayMs: 0 } });
    const closed = next(p, 'connectionClosed');
    await expect(c.get(`${prefix}a`)).rejects.toThrow();
    expect((await closed).reason).toBe('reset-peer');
    await eventually(() => c.errors.some((e) => e.code === 'ECONNRESET'));
    p.removeToxic('reset');
    await eventually(() => c.status === 'ready');
    expect(await c.get(`${prefix}a`)).toBe('before');
    expect(p.connections()).toHaveLength(1);
  });

  it('latency: a command answers only after the latency on the proxy clock', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock });
    const c = through(p);
    await c.connect();
    p.addToxic({ type: 'latency', direction: 'downstream', attributes: { latencyMs: 500 } });
    const answered = next(p, 'received', (e) => e.direction === 'downstream' && e.bytes > 0);
    let done = false;
    const reply = c.ping().finally(() => (done = true));
    await answered;
    await clock.advance(499);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(await reply).toBe('PONG');
  });

  it('slicer and limitData: fragments keep every reply right; a data limit cuts the connection', async () => {
    const p = await proxy({ seed: 5, toxics: [{ type: 'slicer', direction: 'downstream', attributes: { averageSize: 4, sizeVariation: 3 } }] });
    const c = through(p);
    await c.connect();
    const value = 'v'.repeat(5_000);
    await c.set(`${prefix}big`, value);
    expect(await c.get(`${prefix}big`)).toBe(value);
    p.addToxic({ type: 'limitData', direction: 'downstream', attributes: { bytes: 100 } });
    const closed = next(p, 'connectionClosed');
    await expect(c.get(`${prefix}big`)).rejects.toThrow();
    expect((await closed).reason).toBe('limit-data');
  });
});
