/**
 * The fleet routes on the real Redis: the ops server lists the instances two in-process members
 * publish, and its halt, resume and per-instance commands reach them. Bad input gets a 400 naming
 * the field, an unknown instance a 404.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fleetControl } from '../../src/fleet/index.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { liveEvents } from '../../src/server/live-events.js';
import { tradingGate } from '../../src/trading/gate.js';
import { type Bot, bot, nextEvent } from '../fleet/fleet-support.js';
import { describeWith, probeRedis, redisUrl, requireService, sharedRedis } from '../support/services.js';

const available = await requireService('Redis', probeRedis);

describeWith(available, 'fleet routes', () => {
  const prefix = `test:fleet-routes:${randomUUID()}:`;
  const shared = sharedRedis(prefix);
  const events = liveEvents();
  let app: OpsApp;
  let bots: Bot[] = [];
  const clients: Redis[] = [];

  beforeAll(async () => {
    app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), events, fleet: fleetControl({ redis: shared.client, prefix }) });
    bots = ['bot-1', 'bot-2'].map((id) => {
      const c = new Redis(redisUrl);
      clients.push(c);
      return bot(c, prefix, id, { version: '1.2.3' });
    });
    await Promise.all(bots.map((b) => b.member.ready));
  });
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.member.leave()));
    for (const c of clients) c.disconnect();
    await app?.close();
  });

  it('GET /api/instances lists each instance with its identity, gate mode, breakers and orders', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/instances' });
    expect(res.statusCode).toBe(200);
    const list = res.json<Array<Record<string, unknown>>>();
    expect(list.map((i) => i.id)).toEqual(['bot-1', 'bot-2']);
    expect(list[0]).toMatchObject({
      pid: process.pid,
      version: '1.2.3',
      stale: false,
      leftAt: null,
      gateMode: 'active',
      snapshot: { breakers: [{ name: 'orders', state: 'closed' }], orders: { OPEN: 1, FILLED: 2 } },
    });
    expect(typeof list[0]!.host).toBe('string');
    expect(typeof list[0]!.lastHeartbeatAt).toBe('number');
    expect((await app.inject({ method: 'GET', url: '/api/instances/bot-2' })).json()).toMatchObject({ id: 'bot-2', stale: false });
    const missing = await app.inject({ method: 'GET', url: '/api/instances/bot-9' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toBe('no instance "bot-9" in fleet default');
  });

  it('POST /api/fleet/halt and /resume reach every instance and go on the timeline; the halt needs a reason', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/fleet/halt', payload: { reason: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/^body\.reason: say why the fleet is halted/);

    const halted = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'halt'));
    const res = await app.inject({ method: 'POST', url: '/api/fleet/halt', payload: { reason: 'venue down', actor: 'alice' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ command: { target: '*', by: 'alice', command: { type: 'halt', reason: 'venue down' } }, halt: { reason: 'venue down', by: 'alice' } });
    await Promise.all(halted);
    for (const b of bots) expect(b.gate.mode).toBe('halted');
    expect((await app.inject({ method: 'GET', url: '/api/fleet' })).json()).toMatchObject({ fleet: 'default', halt: { reason: 'venue down' }, instances: 2, stale: 0 });

    const resumed = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'resume'));
    const back = await app.inject({ method: 'POST', url: '/api/fleet/resume', payload: { actor: 'alice' } });
    expect(back.json()).toMatchObject({ halt: null });
    await Promise.all(resumed);
    for (const b of bots) expect(b.gate.mode).toBe('active');
    expect(events.timeline().map((e) => e.message)).toEqual(expect.arrayContaining(['fleet halted by alice: venue down', 'fleet resumed by alice']));
  });

  it('POST /api/fleet/instances/:id/command reaches that instance only; unknown instance 404, bad command 400 naming the field', async () => {
    const applied = nextEvent(bots[1]!.member, 'command');
    const res = await app.inject({ method: 'POST', url: '/api/fleet/instances/bot-2/command', payload: { command: { type: 'isolate', breaker: 'orders' }, actor: 'bob' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ command: { target: 'bot-2', by: 'bob' }, stale: false });
    await applied;
    expect(bots[1]!.registry.get('orders')!.state).toBe('isolated');
    expect(bots[0]!.registry.get('orders')!.state).toBe('closed');

    const missing = await app.inject({ method: 'POST', url: '/api/fleet/instances/bot-9/command', payload: { command: { type: 'halt', reason: 'x' } } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toBe('no instance "bot-9" in fleet default');
    const bad = await app.inject({ method: 'POST', url: '/api/fleet/instances/bot-2/command', payload: { command: { type: 'isolate' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/^body\.command\.breaker/);
    const badId = await app.inject({ method: 'POST', url: '/api/fleet/instances/a%20b/command', payload: { command: { type: 'resume' } } });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().detail).toMatch(/^params\.id/);
  });

  it('POST /api/gate/halt and /resume act fleet-wide: on a server without a gate of its own, and beside the gate of one that has one', async () => {
    const halted = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'halt'));
    const res = await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'from the gate route' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ mode: 'halted', killed: true, killedBy: { actor: 'operator', reason: 'from the gate route' }, fleet: 'default' });
    await Promise.all(halted);
    for (const b of bots) expect(b.gate.mode).toBe('halted');
    expect((await app.inject({ method: 'GET', url: '/api/gate' })).json()).toMatchObject({ mode: 'halted' });
    const resumed = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'resume'));
    expect((await app.inject({ method: 'POST', url: '/api/gate/resume', payload: {} })).json()).toMatchObject({ mode: 'active', killed: false });
    await Promise.all(resumed);

    // A server with its own gate: the kill switch there, and the fleet too.
    const ownGate = tradingGate();
    const withGate = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), gate: ownGate, fleet: fleetControl({ redis: shared.client, prefix }) });
    try {
      const both = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'halt'));
      expect((await withGate.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'everything stops' } })).statusCode).toBe(200);
      await Promise.all(both);
      expect(ownGate.mode).toBe('halted');
      for (const b of bots) expect(b.gate.mode).toBe('halted');
      const again = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'resume'));
      expect((await withGate.inject({ method: 'POST', url: '/api/gate/resume', payload: { reason: 'all clear' } })).json()).toMatchObject({ mode: 'active' });
      await Promise.all(again);
      for (const b of bots) expect(b.gate.mode).toBe('active');
    } finally {
      await withGate.close();
    }
  });
});
