/**
 * Three bot processes and the ops server on the real Redis: halt and resume through the API reach
 * every process; a bot killed with SIGKILL and started again under the same id applies the
 * commands sent while it was dead (its consumer group kept its place) and the fleet-wide halt.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fleetControl } from '../../src/fleet/index.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { BotProcess } from '../fleet/bot-process.js';
import { describeWith, probeRedis, requireService, sharedRedis } from '../support/services.js';

const available = await requireService('Redis', probeRedis);

describeWith(available, 'fleet of bot processes', () => {
  const prefix = `test:fleet-processes:${randomUUID()}:`;
  const shared = sharedRedis(prefix);
  let app: OpsApp;
  const bots = new Map<string, BotProcess>();

  beforeAll(async () => {
    app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), fleet: fleetControl({ redis: shared.client, prefix }) });
    for (const id of ['bot-1', 'bot-2', 'bot-3']) bots.set(id, new BotProcess(prefix, id));
    await Promise.all([...bots.values()].map((b) => b.next((l) => l.event === 'ready')));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...bots.values()].map((b) => b.stop('SIGTERM')));
    await app?.close();
  }, 30_000);

  it('halt and resume through the API reach all three processes, and the list shows their pids', async () => {
    const list = (await app.inject({ method: 'GET', url: '/api/instances' })).json<Array<{ id: string; pid: number; version: string; stale: boolean }>>();
    expect(list.map((i) => [i.id, i.version, i.stale])).toEqual([
      ['bot-1', 'test-bot', false],
      ['bot-2', 'test-bot', false],
      ['bot-3', 'test-bot', false],
    ]);
    expect(list.map((i) => i.pid)).toEqual([...bots.values()].map((b) => b.child.pid));

    const marks = new Map([...bots].map(([id, b]) => [id, b.lines.length]));
    const halt = await app.inject({ method: 'POST', url: '/api/fleet/halt', payload: { reason: 'processes test' } });
    expect(halt.statusCode).toBe(200);
    for (const [id, b] of bots) await b.next((l) => l.event === 'gate' && l.mode === 'halted', marks.get(id));
    const resume = await app.inject({ method: 'POST', url: '/api/fleet/resume', payload: {} });
    expect(resume.statusCode).toBe(200);
    for (const [id, b] of bots) await b.next((l) => l.event === 'gate' && l.mode === 'active', marks.get(id));
  }, 60_000);

  it('a bot killed with SIGKILL and restarted under its id applies what was sent while it was dead', async () => {
    await bots.get('bot-2')!.stop('SIGKILL');
    const isolate = await app.inject({ method: 'POST', url: '/api/fleet/instances/bot-2/command', payload: { command: { type: 'isolate', breaker: 'orders' } } });
    expect(isolate.statusCode).toBe(200);
    const halt = await app.inject({ method: 'POST', url: '/api/fleet/halt', payload: { reason: 'while bot-2 was dead' } });
    expect(halt.statusCode).toBe(200);

    const again = new BotProcess(prefix, 'bot-2');
    bots.set('bot-2', again);
    // Halted before it is ready (the halt key), then the commands its group held, in order.
    expect(await again.next((l) => l.event === 'ready')).toMatchObject({ mode: 'halted' });
    expect(await again.next((l) => l.event === 'command' && l.type === 'isolate')).toMatchObject({ outcome: 'applied', breaker: 'isolated', id: isolate.json().command.id });
    await again.next((l) => l.event === 'command' && l.type === 'halt' && l.id === halt.json().command.id);
  }, 60_000);
});
