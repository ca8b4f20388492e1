/**
 * The fleet's Redis (a private redis-server, never the shared one) is killed and started again
 * empty, as a server without persistence comes back: the member falls to reducing after
 * `maxDisconnectedMs`, recovers when Redis answers, creates its consumer group again and applies
 * the commands sent after the restart.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { FLEET_CONDITION, fleetControl } from '../../src/fleet/index.js';
import { bot, nextEvent } from '../fleet/fleet-support.js';
import { freePort, probeRedisServerBinary, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { describeWith, requireService } from '../support/services.js';

const available = await requireService('redis-server binary', probeRedisServerBinary);

describeWith(available, 'fleet when its Redis restarts empty', () => {
  let server: ChildProcess | undefined;
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (server) await stopRedisServer(server);
  });

  it('falls to reducing while Redis is away, recovers, and applies a halt sent after the restart', async () => {
    const port = await freePort();
    server = await startRedisServer(port);
    const url = `redis://127.0.0.1:${port}`;
    const [botClient, opsClient] = [new Redis(url), new Redis(url)];
    for (const c of [botClient, opsClient]) {
      c.on('error', () => undefined);
      clients.push(c);
    }
    const clock = new ManualClock(0);
    const b = bot(botClient, 'bulwark:fleet:', 'solo', { clock, heartbeatMs: 1_000, maxDisconnectedMs: 2_500 });
    await b.member.ready;
    const control = fleetControl({ redis: opsClient });
    const isolated = nextEvent(b.member, 'command', (e) => e.type === 'isolate');
    await control.send('solo', { type: 'isolate', breaker: 'orders' });
    await isolated;

    const raised = nextEvent(b.member, 'failSafe', (e) => e.raised);
    await stopRedisServer(server);
    server = undefined;
    await clock.advance(3_000);
    await raised;
    expect(b.gate.mode).toBe('reducing');
    expect(b.gate.conditions().map((c) => c.name)).toEqual([FLEET_CONDITION]);

    const cleared = nextEvent(b.member, 'failSafe', (e) => !e.raised);
    const regrouped = nextEvent(b.member, 'readFailed', (e) => e.error.startsWith('NOGROUP'));
    server = await startRedisServer(port);
    await clock.advance(1_000);
    await cleared;
    expect(b.gate.mode).toBe('active');
    // The restarted server lost the group: the reader's next read says so, and it makes the group again.
    await regrouped;

    const halted = nextEvent(b.member, 'command', (e) => e.type === 'halt');
    await control.halt('after the restart', 'erin');
    await halted;
    expect(b.gate.mode).toBe('halted');
    expect(b.member.status).toMatchObject({ failSafe: false });
    expect((await control.instances()).map((v) => v.id)).toEqual(['solo']);
    await b.member.leave();
  });
});
