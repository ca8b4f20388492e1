/**
 * The fault proxy between the program and the real PostgreSQL of this machine: latency the client
 * waits for (timed by a ManualClock), a `timeout` toxic that our timeout policy turns into a
 * TimeoutError, `limitData` cutting a connection, bandwidth capping throughput, and a slicer that
 * fragments every message yet leaves the protocol intact. Skips with one line when PostgreSQL is
 * unreachable (fails instead with BULWARK_REQUIRE_SERVICES=1).
 */
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { faultProxy, type FaultProxy, type FaultProxyOptions } from '../../src/chaos/proxy/fault-proxy.js';
import { ManualClock } from '../../src/core/clock.js';
import { TimeoutError } from '../../src/core/errors.js';
import { timeout } from '../../src/policies/timeout.js';
import { next } from '../chaos/proxy/net-helpers.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { probePostgres } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);
const target = new URL(postgresUrl);
const upstream = `${target.hostname}:${target.port || '5432'}`;

const proxies: FaultProxy[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** A proxy on a port the OS picks (`p.listen.port`): a fixed one can be in use by another test's connection. */
async function proxy(options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  const p = await faultProxy({ name: 'postgres', listen: '127.0.0.1:0', upstream, ...options });
  proxies.push(p);
  return p;
}

/** A pg client connected through `p` (its errors kept, not thrown at the process). */
async function through(p: FaultProxy): Promise<pg.Client & { errors: Error[] }> {
  const url = new URL(postgresUrl);
  url.hostname = '127.0.0.1';
  url.port = String(p.listen.port);
  const c = Object.assign(new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 }), { errors: [] as Error[] });
  c.on('error', (error) => c.errors.push(error));
  clients.push(c);
  await c.connect();
  return c;
}

/** Tracks whether a promise settled, without waiting on it. */
function settled<T>(promise: Promise<T>): { readonly done: boolean; promise: Promise<T> } {
  const state = { done: false, promise };
  promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}

describeWith(available, 'fault proxy in front of PostgreSQL', () => {
  it('latency: a query answers only once the latency has passed on the proxy clock', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock });
    const c = await through(p);
    p.addToxic({ type: 'latency', direction: 'downstream', attributes: { latencyMs: 200 } });
    const answered = next(p, 'received', (e) => e.direction === 'downstream' && e.bytes > 0);
    const query = settled(c.query<{ n: number }>('SELECT 41 + 1 AS n'));
    await answered; // PostgreSQL has answered; the proxy holds the answer
    await clock.advance(199);
    expect(query.done).toBe(false);
    expect(p.connections()[0]?.pending.downstream.bytes).toBeGreaterThan(0);
    // The answer may reach the proxy in more than one read; each is held 200 ms of the proxy clock.
    for (let i = 0; i < 10 && !query.done; i += 1) await clock.advance(200);
    expect((await query.promise).rows).toEqual([{ n: 42 }]);
  });

  it('latency on real time: every query through the proxy takes at least the latency', async () => {
    const p = await proxy();
    const c = await through(p);
    p.addToxic({ type: 'latency', direction: 'upstream', attributes: { latencyMs: 40 } });
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      await c.query('SELECT 1');
      expect(performance.now() - started).toBeGreaterThanOrEqual(39);
    }
  });

  it('timeout: the answer never comes, our timeout policy gives up; removing the toxic closes the connection', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock });
    const c = await through(p);
    p.addToxic({ name: 'hold', type: 'timeout', direction: 'downstream', attributes: { timeoutMs: 0 } });
    const policy = timeout({ ms: 2_000, clock });
    const swallowed = next(p, 'received', (e) => e.direction === 'downstream' && e.bytes > 0);
    const call = settled(policy.execute(() => c.query('SELECT 1')));
    await swallowed;
    await clock.advance(1_999);
    expect(call.done).toBe(false);
    await clock.advance(1);
    await expect(call.promise).rejects.toBeInstanceOf(TimeoutError);
    const closed = next(p, 'connectionClosed');
    p.removeToxic('hold');
    expect((await closed).reason).toBe('toxic-removed');
    // The old connection is gone; a new one through the same proxy works.
    const fresh = await through(p);
    expect((await fresh.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('limitData: the connection is cut after the bytes allowed and the client sees it terminated', async () => {
    const p = await proxy();
    const c = await through(p);
    p.addToxic({ type: 'limitData', direction: 'downstream', attributes: { bytes: 100 } });
    const closed = next(p, 'connectionClosed');
    await expect(c.query("SELECT repeat('x', 10000)")).rejects.toThrow(/Connection terminated/);
    expect((await closed).reason).toBe('limit-data');
  });

  it('bandwidth: a large answer takes at least its size over the rate, and arrives whole', async () => {
    const p = await proxy();
    const c = await through(p);
    p.addToxic({ type: 'bandwidth', direction: 'downstream', attributes: { kilobytesPerSecond: 64 } });
    const started = performance.now();
    const { rows } = await c.query<{ s: string }>("SELECT repeat('y', 32768) AS s");
    // 32 KiB at 64 KiB/s: about 500 ms; loosely at least 400.
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(rows[0]?.s).toBe('y'.repeat(32_768));
  });

  it('slicer: every message cut into a few bytes each way, from the startup on, and the protocol holds', async () => {
    const p = await proxy({
      seed: 3,
      toxics: [
        { name: 'up', type: 'slicer', direction: 'upstream', attributes: { averageSize: 3, sizeVariation: 2 } },
        { name: 'down', type: 'slicer', direction: 'downstream', attributes: { averageSize: 5, sizeVariation: 4 } },
      ],
    });
    const c = await through(p);
    const { rows } = await c.query<{ n: number; s: string }>('SELECT $1::int + 1 AS n, md5($2) AS s', [1, 'bulwark']);
    expect(rows).toEqual([{ n: 2, s: (await c.query<{ s: string }>("SELECT md5('bulwark') AS s")).rows[0]?.s }]);
    const { rows: many } = await c.query<{ i: number }>('SELECT generate_series(1, 500) AS i');
    expect(many.map((r) => r.i)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });
});
