import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observe/metrics.js';
import { buildApp } from '../../src/server/app.js';
import type { ServerComponents } from '../../src/server/components.js';
import { type Fixture, fixture } from './fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('buildApp', () => {
  it('refuses to build without metrics, naming the option', async () => {
    await expect(buildApp({} as ServerComponents)).rejects.toThrow(/components\.metrics/);
    await expect(buildApp({ metrics: createMetrics({ defaultMetrics: false }) }, { snapshotMs: 0 })).rejects.toThrow(/snapshotMs must be a number > 0/);
  });

  it('serves the OpenAPI description with every area of the API', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/docs/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/metrics',
      '/api/breakers',
      '/api/breakers/{name}/reset',
      '/api/breakers/{name}/isolate',
      '/api/breakers/{name}/release',
      '/api/limits',
      '/api/gate',
      '/api/gate/halt',
      '/api/gate/history',
      '/api/orders',
      '/api/dead-letters',
      '/api/dead-letters/replay',
      '/api/dead-letters/purge',
      '/api/backups',
      '/api/backups/{id}/restore',
      '/api/alerts/rules',
      '/api/alerts/rules/{name}',
      '/api/events',
      '/api/overview',
      '/health',
      '/livez',
      '/readyz',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    // Request schemas come from the zod schemas of the routes.
    expect(doc.paths['/api/alerts/rules']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/api/dead-letters']!.get!.parameters!.length).toBeGreaterThan(0);
  });

  it('answers an unknown route with 404 and a message naming it', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, message: 'no route GET /api/nothing' });
  });

  it('answers 404 "not configured" for a component the server was built without', async () => {
    f = await fixture({ omit: ['gate', 'deadLetters', 'backups', 'alerts', 'breakers', 'limits', 'orders'] });
    for (const url of ['/api/gate', '/api/dead-letters', '/api/backups', '/api/alerts/rules', '/api/breakers/x', '/api/limits', '/api/orders']) {
      const res = await f.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json<{ message: string }>().message, url).toMatch(/is not configured on this server$/);
    }
  });

  it('answers /livez without a health registry', async () => {
    f = await fixture({ omit: ['health'] });
    const res = await f.app.inject({ method: 'GET', url: '/livez' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'pass' });
  });

  it('uses the health plugin when a registry is given: /health reports the checks', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
  });

  it('says the dashboard is not built when its folder is missing, and the API still works', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatch(/npm run build:web/);
  });

  it('/api/overview gathers every section', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/overview' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      service: 'test-service',
      health: { status: 'up', score: 100, reasons: [] },
      gate: { mode: 'active' },
      alerts: [],
      limits: [{ name: 'orders', queued: 0 }],
      orders: { counts: { OPEN: 1, FILLED: 2 } },
      deadLetters: { pending: 0, replayed: 0 },
    });
    expect(body.breakers.map((b: { name: string }) => b.name)).toEqual(['exchange', 'database']);
    expect(body.dependencies[0]).toMatchObject({ name: 'exchange', state: 'closed', calls: 0 });
  });
});
