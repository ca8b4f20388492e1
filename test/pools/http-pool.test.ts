import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation, Policy } from '../../src/core/policy.js';
import { classifyError } from '../../src/core/taxonomy.js';
import { HealthRegistry } from '../../src/health/registry.js';
import { HttpPool, HttpStatusError } from '../../src/pools/http-pool.js';
import { flush } from '../support/async.js';

const held: ServerResponse[] = [];
let arrived: (() => void) | undefined;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/hold') {
    held.push(res);
    arrived?.();
    return;
  }
  if (req.url === '/fail') {
    res.statusCode = 503;
    res.end('busy');
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url }));
});
let base = '';
let connections = 0;
server.on('connection', () => connections++);

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('HttpPool', () => {
  it('sends requests through a per-origin pool and keeps statistics', async () => {
    const pool = new HttpPool();
    const response = await pool.request(`${base}/a?x=1`);
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ path: '/a?x=1' });
    await flush();
    const before = connections;
    await pool.request(`${base}/b`);
    expect(connections).toBe(before); // keep-alive: the second request reused the open socket
    expect(pool.stats(base)).toMatchObject({ origin: base, requests: 2, failures: 0, running: 0, connected: 1 });
    await pool.close();
  });

  it('limits connections per origin: past the limit requests queue', async () => {
    const pool = new HttpPool({ origins: { [base]: { connections: 1 } } });
    let first = new Promise<void>((resolve) => (arrived = resolve));
    const a = pool.request(`${base}/hold`);
    await first;
    const b = pool.request(`${base}/hold`);
    await flush();
    const stats = pool.stats(base)!;
    expect(stats.connected).toBe(1);
    expect(stats.running + stats.pending).toBe(2);
    expect(held).toHaveLength(1); // the server has seen only one
    first = new Promise<void>((resolve) => (arrived = resolve));
    held.shift()!.end('one');
    await first;
    held.shift()!.end('two');
    expect((await a).body).toBe('one');
    expect((await b).body).toBe('two');
    await pool.close();
  });

  it('throws failure statuses as categorised errors through the origin policy', async () => {
    const calls: string[] = [];
    const recording: Policy = {
      execute<T>(fn: Operation<T>): Promise<T> {
        calls.push('policy');
        return Promise.resolve(fn({ signal: new AbortController().signal, attempt: 1 }));
      },
    };
    const pool = new HttpPool({ policyFor: () => recording });
    const error = await pool.request(`${base}/fail`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(503);
    expect(classifyError(error)).toMatchObject({ category: 'network', retryable: true, code: 'HTTP_503' });
    expect(calls).toEqual(['policy']);
    expect(pool.stats(base)).toMatchObject({ requests: 1, failures: 1 });
    await pool.close();
  });

  it('gives a health check per origin that plugs into the registry', async () => {
    const pool = new HttpPool();
    const registry = new HealthRegistry();
    registry.register(pool.healthCheck(base, { path: '/ping' }));
    registry.register({ ...pool.healthCheck(base, { path: '/fail' }), name: 'http:failing' });
    const report = await registry.check();
    expect(report.checks.map((c) => c.status)).toEqual(['up', 'down']);
    await pool.close();
  });

  it('rejects bad options with the option named', () => {
    expect(() => new HttpPool({ defaults: { connections: 0 } })).toThrow('httpPool: defaults.connections must be an integer >= 1, got 0');
  });
});
