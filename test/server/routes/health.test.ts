import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { HealthRegistry } from '../../../src/health/registry.js';
import { healthRoutes } from '../../../src/server/routes/health.js';

function setup(options: { ready?: () => boolean; details?: boolean } = {}) {
  const registry = new HealthRegistry({ clock: new ManualClock(Date.UTC(2026, 0, 1)) });
  const state = { db: true, cache: true };
  registry.register({ name: 'postgres', component: 'postgres', measurement: 'connections', tags: ['ready'], check: () => state.db });
  registry.register({ name: 'redis', component: 'redis', measurement: 'connections', critical: false, check: () => (state.cache ? true : { status: 'down', message: 'ECONNREFUSED' }) });
  registry.register({ name: 'orders', dependsOn: ['postgres'], group: 'trading', tags: ['ready'], check: () => true });
  const app = Fastify();
  void app.register(healthRoutes, {
    registry,
    readinessTags: ['ready'],
    ...(options.ready ? { isReady: options.ready } : {}),
    exposeDetails: () => options.details ?? false,
  });
  return { app, registry, state };
}

describe('health routes', () => {
  it('/health: application/health+json, checks keyed component:measurement, 200 when passing', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json(;|$)/);
    const body = res.json();
    expect(body.status).toBe('pass');
    expect(Object.keys(body.checks)).toEqual(['postgres:connections', 'redis:connections', 'orders:status']);
    expect(body.checks['postgres:connections'][0]).toEqual({ componentId: 'postgres', status: 'pass', time: '2026-01-01T00:00:00.000Z' });
  });

  it('/health: a non-critical failure warns (200); a critical one fails (503) and cascades', async () => {
    const { app, state, registry } = setup();
    state.cache = false;
    await registry.check({ fresh: true });
    let res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('warn');
    state.db = false;
    await registry.check({ fresh: true });
    res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe('fail');
    expect(res.json().checks['orders:status'][0].status).toBe('warn');
  });

  it('hides outputs unless the caller is authorised', async () => {
    const hidden = setup();
    hidden.state.cache = false;
    const body = (await hidden.app.inject({ method: 'GET', url: '/health' })).json();
    expect(body.checks['redis:connections'][0].output).toBeUndefined();
    const shown = setup({ details: true });
    shown.state.cache = false;
    const detailed = (await shown.app.inject({ method: 'GET', url: '/health' })).json();
    expect(detailed.checks['redis:connections'][0].output).toBe('ECONNREFUSED');
  });

  it('/livez ignores dependencies; /readyz follows them and fails while shutting down', async () => {
    let ready = true;
    const { app, state } = setup({ ready: () => ready });
    state.db = false;
    expect((await app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    state.db = true;
    const fresh = setup({ ready: () => ready });
    expect((await fresh.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    ready = false;
    const res = await fresh.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'fail', output: 'shutting down', checks: {} });
    expect((await fresh.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
  });

  it('/health/score gives the score, and the reasons only when authorised', async () => {
    const { app, state } = setup({ details: true });
    state.cache = false;
    const body = (await app.inject({ method: 'GET', url: '/health/score' })).json();
    expect(body.score).toBeLessThan(100);
    expect(body.reasons[0]).toMatchObject({ check: 'redis', status: 'down', message: 'ECONNREFUSED' });
    const anonymous = setup();
    anonymous.state.cache = false;
    expect((await anonymous.app.inject({ method: 'GET', url: '/health/score' })).json().reasons).toBeUndefined();
  });
});
