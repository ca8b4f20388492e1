import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxies, faultProxies } from '../../../src/chaos/proxy/proxies.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { type OpsApp, buildApp } from '../../../src/server/app.js';
import { liveEvents } from '../../../src/server/live-events.js';
import { client, echoServer, type EchoServer } from '../../chaos/proxy/net-helpers.js';

// The echo server and every proxy listen on a port the OS picks (port 0, read back from where it
// listens): a fixed one can be a client socket's local port at that moment (409 "in use").
let echo: EchoServer;
let app: OpsApp | undefined;
let proxies: FaultProxies | undefined;
beforeAll(async () => {
  echo = await echoServer();
});
afterAll(async () => echo.close());
afterEach(async () => {
  await app?.close();
  await proxies?.close();
  app = undefined;
  proxies = undefined;
});

const events = liveEvents();
async function serve(chaos: boolean): Promise<OpsApp> {
  proxies = faultProxies();
  app = await buildApp({ metrics: createMetrics(), events, ...(chaos ? { chaos: { proxies } } : {}) }, { webRoot: '/nonexistent', bindTimeline: false });
  return app;
}

const create = (a: OpsApp, body: Record<string, unknown>) => a.inject({ method: 'POST', url: '/api/chaos/proxies', payload: body });
/** The port the proxy named `name` was given by the OS. */
const boundPort = (name: string): number => proxies!.get(name)!.listen.port;

describe('/api/chaos/proxies', () => {
  it('answers 404 "chaos is off" when the server runs without chaos', async () => {
    const a = await serve(false);
    for (const [method, url] of [['GET', '/api/chaos/proxies'], ['POST', '/api/chaos/proxies/pg/toxics']] as const) {
      const res = await a.inject({ method, url, payload: method === 'POST' ? {} : undefined });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toBe('chaos is off: set features.chaos');
    }
  });

  it('creates a proxy, adds, updates and removes toxics, disables, enables and deletes it', async () => {
    const a = await serve(true);
    const made = await create(a, { name: 'pg', listen: ':0', upstream: `127.0.0.1:${echo.port}` });
    expect(made.statusCode).toBe(201);
    const PG_PORT = boundPort('pg');
    expect(PG_PORT).toBeGreaterThan(0);
    expect(made.json()).toEqual({ name: 'pg', listen: `127.0.0.1:${PG_PORT}`, upstream: `127.0.0.1:${echo.port}`, enabled: true, toxics: [], connections: 0 });

    const added = await a.inject({ method: 'POST', url: '/api/chaos/proxies/pg/toxics', payload: { type: 'latency', attributes: { latencyMs: 200, jitterMs: 50 } } });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({ name: 'latency_downstream', type: 'latency', direction: 'downstream', toxicity: 1, attributes: { latencyMs: 200, jitterMs: 50 } });
    const updated = await a.inject({ method: 'PATCH', url: '/api/chaos/proxies/pg/toxics/latency_downstream', payload: { toxicity: 0.5, attributes: { latencyMs: 300 } } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ toxicity: 0.5, attributes: { latencyMs: 300, jitterMs: 50 } });

    const c = await client(PG_PORT);
    const one = await a.inject({ method: 'GET', url: '/api/chaos/proxies/pg' });
    expect(one.json()).toMatchObject({ name: 'pg', connections: 1, openConnections: [{ id: 1 }] });
    const list = await a.inject({ method: 'GET', url: '/api/chaos/proxies' });
    expect(list.json().proxies.map((p: { name: string }) => p.name)).toEqual(['pg']);

    expect((await a.inject({ method: 'POST', url: '/api/chaos/proxies/pg/disable' })).json()).toMatchObject({ enabled: false });
    await c.closedPromise;
    await expect(client(PG_PORT)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect((await a.inject({ method: 'POST', url: '/api/chaos/proxies/pg/enable' })).json()).toMatchObject({ enabled: true });

    expect((await a.inject({ method: 'DELETE', url: '/api/chaos/proxies/pg/toxics/latency_downstream' })).statusCode).toBe(204);
    expect((await a.inject({ method: 'DELETE', url: '/api/chaos/proxies/pg/toxics/latency_downstream' })).statusCode).toBe(404);
    expect((await a.inject({ method: 'DELETE', url: '/api/chaos/proxies/pg' })).statusCode).toBe(204);
    expect((await a.inject({ method: 'GET', url: '/api/chaos/proxies/pg' })).statusCode).toBe(404);
    await expect(client(PG_PORT)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const timeline = events.timeline().map((e) => e.message);
    expect(timeline).toEqual(
      expect.arrayContaining([
        `fault proxy created by operator: 127.0.0.1:${PG_PORT} → 127.0.0.1:${echo.port}`,
        'toxic latency_downstream (latency downstream) added by operator',
        'toxic latency_downstream (latency downstream 50%) updated by operator',
        'fault proxy disabled by operator',
        'toxic latency_downstream removed by operator',
        'fault proxy deleted by operator',
      ]),
    );
  });

  it('refuses bad input with problem+json naming the field', async () => {
    const a = await serve(true);
    expect((await create(a, { name: 'r', listen: ':0', upstream: `127.0.0.1:${echo.port}` })).statusCode).toBe(201);
    const R_PORT = boundPort('r');
    const cases: Array<[string, string, Record<string, unknown>, number, string]> = [
      ['POST', '/api/chaos/proxies/r/toxics', { type: 'latency', attributes: { latencyMs: -1 } }, 400, 'body.attributes.latencyMs'],
      ['POST', '/api/chaos/proxies/r/toxics', { type: 'latency', attributes: { rate: 5 } }, 400, 'body.attributes'],
      ['POST', '/api/chaos/proxies/r/toxics', { type: 'sideways' }, 400, 'body.type'],
      ['POST', '/api/chaos/proxies/r/toxics', { type: 'bandwidth', direction: 'left' }, 400, 'body.direction'],
      ['POST', '/api/chaos/proxies/r/toxics', { type: 'timeout', toxicity: 2 }, 400, 'body.toxicity'],
      ['POST', '/api/chaos/proxies', { name: 'r', listen: ':0', upstream: `127.0.0.1:${echo.port}` }, 409, 'body.name'],
      ['POST', '/api/chaos/proxies', { name: 'taken', listen: `:${R_PORT}`, upstream: `127.0.0.1:${echo.port}` }, 409, 'body.listen'],
      ['POST', '/api/chaos/proxies', { name: 'no host', listen: ':0', upstream: `127.0.0.1:${echo.port}` }, 400, 'body.name'],
    ];
    for (const [method, url, payload, status, field] of cases) {
      const res = await a.inject({ method: method as 'POST', url, payload });
      expect({ url, payload, status: res.statusCode }).toEqual({ url, payload, status });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await a.inject({ method: 'POST', url: '/api/chaos/proxies/r/toxics', payload: { name: 'cut', type: 'limitData', attributes: { bytes: 10 } } });
    const dup = await a.inject({ method: 'POST', url: '/api/chaos/proxies/r/toxics', payload: { name: 'cut', type: 'latency' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors).toEqual([{ field: 'body.name', reason: 'in use' }]);
    const wrongAttribute = await a.inject({ method: 'PATCH', url: '/api/chaos/proxies/r/toxics/cut', payload: { attributes: { latencyMs: 5 } } });
    expect(wrongAttribute.statusCode).toBe(400);
    expect(wrongAttribute.json().errors[0].field).toBe('body.attributes.latencyMs');
    expect(wrongAttribute.json().detail).toContain('is not an attribute of a limitData toxic (it has bytes)');
    const upstream = await create(a, { name: 'bad', listen: ':0', upstream: ':5432' });
    expect(upstream.statusCode).toBe(400);
    expect(upstream.json().detail).toBe('faultProxy: upstream must name its host (HOST:PORT), got ":5432"');
    expect(upstream.json().errors).toEqual([{ field: 'body.upstream', reason: 'must name its host (HOST:PORT), got ":5432"' }]);
    expect((await a.inject({ method: 'POST', url: '/api/chaos/proxies/nope/enable' })).json().detail).toBe('no fault proxy named "nope"');
  });
});
