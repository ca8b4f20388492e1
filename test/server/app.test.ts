import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observe/metrics.js';
import { buildApp } from '../../src/server/app.js';
import type { ServerComponents } from '../../src/server/components.js';
import { type Fixture, fixture } from './fixture.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('buildApp', () => {
  it('refuses to build without metrics, naming the option', async () => {
    await expect(buildApp({} as ServerComponents)).rejects.toThrow(/components\.metrics/);
    await expect(buildApp({ metrics: createMetrics({ defaultMetrics: false }) }, { snapshotMs: 0 })).rejects.toThrow('buildApp: snapshotMs must be a finite number > 0, got 0');
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

  it('answers an unknown route with a 404 problem document naming it', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no route GET /api/nothing' });
  });

  it('answers invalid input with a 400 problem document naming every field and the reason (RFC 9457)', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: { name: 'x', metric: 'bulwark_calls_total', condition: '~', threshold: 'high' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const body = res.json<{ type: string; title: string; status: number; detail: string; errors: Array<{ field: string; reason: string }> }>();
    expect(body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    expect(body.errors.map((e) => e.field).sort()).toEqual(['body.condition', 'body.threshold']);
    for (const e of body.errors) expect(e.reason).not.toBe('');
    expect(body.detail).toBe(body.errors.map((e) => `${e.field}: ${e.reason}`).join('; '));
  });

  it('answers a failed request with a 500 problem document that names the request id and nothing of the error', async () => {
    f = await fixture();
    f.app.get('/boom', async () => {
      throw new Error('secret detail');
    });
    const res = await f.app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: expect.stringMatching(/^the request failed; see the server log \(request id \S+\)$/) });
    expect(res.body).not.toContain('secret detail');
  });

  it('carries the package version in the OpenAPI document and renders it at /docs', async () => {
    f = await fixture();
    const doc = (await f.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json<{ info: { version: string } }>();
    expect(doc.info.version).toBe(pkg.version);
    const page = await f.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain(`Bulwark ops API <small>${pkg.version}</small>`);
    expect(page.body).toContain('<span class="method post">POST</span> <code>/api/alerts/rules</code>');
    expect(page.body).toContain('<code>/api/breakers/{name}/isolate</code>');
    // Works offline: nothing is loaded from anywhere else.
    expect(page.body).not.toMatch(/<script|https?:\/\//);
  });

  it("logs through the caller's own pino instance", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    f = await fixture({ app: { logger: logger.child({ component: 'ops' }) } });
    f.app.get('/boom', async () => {
      throw new Error('down');
    });
    await f.app.inject({ method: 'GET', url: '/boom' });
    expect(lines.find((l) => l.msg === 'request failed' && l.level === 50)).toMatchObject({ component: 'ops', err: { message: 'down' } });
  });

  it('answers 404 "not configured" for a component the server was built without', async () => {
    f = await fixture({ omit: ['gate', 'deadLetters', 'backups', 'alerts', 'breakers', 'limits', 'orders'] });
    for (const url of ['/api/gate', '/api/dead-letters', '/api/backups', '/api/alerts/rules', '/api/breakers/x', '/api/limits', '/api/orders']) {
      const res = await f.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json<{ detail: string }>().detail, url).toMatch(/is not configured on this server$/);
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
