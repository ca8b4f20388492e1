import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { memoryRegionLeaseStore } from '../../../src/failover/region-lease-memory.js';
import { regionLease } from '../../../src/failover/region-lease.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { buildApp, type OpsApp } from '../../../src/server/app.js';
import { liveEvents } from '../../../src/server/live-events.js';
import { tradingGate } from '../../../src/trading/gate.js';

let app: OpsApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const gate = tradingGate({ clock });
  const region = regionLease({ region: 'eu', store: memoryRegionLeaseStore(clock), gate, clock, followGrantMs: 0 });
  const events = liveEvents({ clock });
  app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), events, gate, region, clock }, { bindTimeline: false });
  region.start();
  await clock.advance(0);
  return { app, clock, gate, region, events };
}

describe('region routes', () => {
  it('GET /api/region: role, holder, epoch, expiry and history', async () => {
    const { app: a, clock } = await serve();
    const res = await a.inject({ method: 'GET', url: '/api/region' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ region: 'eu', lease: 'trading', role: 'active', reason: 'acquired', holder: 'eu', epoch: 1, expiresAt: clock.now() + 10_000, history: [{ from: 'unknown', to: 'active', reason: 'acquired' }] });
  });

  it('POST /api/region/release: the gate stops first, then the lease is freed; 409 when not held; 400 naming the field', async () => {
    const { app: a, gate, events } = await serve();
    expect(gate.mode).toBe('active');
    const bad = await a.inject({ method: 'POST', url: '/api/region/release', payload: { reason: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/^body\.reason: say why the lease is given up/);
    const res = await a.inject({ method: 'POST', url: '/api/region/release', payload: { reason: 'switchover', actor: 'alice' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ released: true, freed: true, epoch: 1, status: { role: 'passive', reason: 'released' } });
    expect(gate.mode).toBe('reducing');
    expect(events.timeline().some((e) => e.actor === 'alice' && e.message.startsWith('lease trading released by alice: switchover'))).toBe(true);
    const again = await a.inject({ method: 'POST', url: '/api/region/release', payload: { reason: 'again' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain('region eu does not hold the lease trading');
  });

  it('the region condition cannot be acknowledged over the gate routes', async () => {
    const { app: a } = await serve();
    await a.inject({ method: 'POST', url: '/api/region/release', payload: { reason: 'switchover' } });
    const ack = await a.inject({ method: 'POST', url: '/api/gate/acknowledge', payload: { condition: 'region', reason: 'trade anyway' } });
    expect(ack.statusCode).toBe(409);
    expect(ack.json().detail).toMatch(/^condition: region cannot be acknowledged/);
    const resume = await a.inject({ method: 'POST', url: '/api/gate/resume', payload: { acknowledge: ['region'] } });
    expect(resume.statusCode).toBe(409);
  });

  it('answers 404 without a region lease', async () => {
    app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }) }, { bindTimeline: false });
    expect((await app.inject({ method: 'GET', url: '/api/region' })).statusCode).toBe(404);
  });
});
