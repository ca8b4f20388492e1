/**
 * Two bot processes on a private redis-server (never the shared one) run with AOF, so a restart
 * keeps the stream and the groups. Redis is killed: both bots fall to reducing on their own after
 * maxDisconnectedMs. Redis comes back: both recover. A halt and a command sent after the restart
 * reach them, and so do the ones sent while one of them was dead.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { fleetControl } from '../../src/fleet/index.js';
import { BotProcess } from '../fleet/bot-process.js';
import { freePort, probeRedisServerBinary, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { describeWith, requireService } from '../support/services.js';

const available = await requireService('redis-server binary', probeRedisServerBinary);
// Short periods so the outage is seen quickly; the bots run on the system clock (their own processes).
const FAST = { heartbeatMs: 200, ttlMs: 1_000, maxDisconnectedMs: 1_000 };

describeWith(available, 'fleet of bot processes when Redis restarts', () => {
  let server: ChildProcess | undefined;
  let dir = '';
  const bots: BotProcess[] = [];
  let ops: Redis | undefined;
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop('SIGKILL')));
    ops?.disconnect();
    if (server) await stopRedisServer(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('both bots fall to reducing while Redis is down, recover when it is back, and lose no command', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-fleet-aof-'));
    const port = await freePort();
    const persistent = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    server = await startRedisServer(port, persistent);
    const url = `redis://127.0.0.1:${port}`;
    ops = new Redis(url);
    ops.on('error', () => undefined);
    const control = fleetControl({ redis: ops });
    for (const id of ['p-1', 'p-2']) bots.push(new BotProcess('bulwark:fleet:', id, url, FAST));
    await Promise.all(bots.map((b) => b.next((l) => l.event === 'ready')));

    const marks = bots.map((b) => b.lines.length);
    await stopRedisServer(server);
    server = undefined;
    for (const [i, b] of bots.entries()) expect(await b.next((l) => l.event === 'gate' && l.mode === 'reducing', marks[i])).toMatchObject({ reason: expect.stringContaining('fleet') });

    server = await startRedisServer(port, persistent);
    for (const [i, b] of bots.entries()) await b.next((l) => l.event === 'gate' && l.mode === 'active', marks[i]);

    // p-2 dies; commands for it and for all are sent meanwhile.
    await bots[1]!.stop('SIGKILL');
    const isolate = await control.send('p-2', { type: 'isolate', breaker: 'orders' }, 'ops');
    const halt = await control.halt('after the outage', 'ops');
    expect(await bots[0]!.next((l) => l.event === 'command' && l.id === halt.id)).toMatchObject({ outcome: 'applied' });

    const again = new BotProcess('bulwark:fleet:', 'p-2', url, FAST);
    bots[1] = again;
    expect(await again.next((l) => l.event === 'ready')).toMatchObject({ mode: 'halted' });
    expect(await again.next((l) => l.event === 'command' && l.id === isolate.id)).toMatchObject({ outcome: 'applied', breaker: 'isolated' });
    await again.next((l) => l.event === 'command' && l.id === halt.id);
  }, 60_000);
});
