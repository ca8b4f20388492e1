/**
 * The fleet on the real Redis: three in-process members and the ops side. Halt and resume reach
 * every instance; a late joiner applies the fleet-wide halt; commands to one instance reach only
 * it; commands sent while an instance is cut off (a TCP proxy between it and Redis) are applied
 * in order once it is back; the fail-safe moves a gate to reducing after `maxDisconnectedMs`
 * without Redis and clears on reconnect; instances turn stale and are dropped.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { deferred } from '../support/async.js';
import { FLEET_CONDITION, fleetControl, fleetKeys } from '../../src/fleet/index.js';
import { type Bot, bot, nextEvent } from '../fleet/fleet-support.js';
import { describeWith, probeRedis, redisUrl, requireService, sharedRedis } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const available = await requireService('Redis', probeRedis);

describeWith(available, 'fleet over the real Redis', () => {
  const prefix = `test:fleet:${randomUUID()}:`;
  const shared = sharedRedis(prefix);
  const bots: Bot[] = [];
  const clients: Redis[] = [];
  const proxies: TcpProxy[] = [];
  const make = (...args: Parameters<typeof bot>): Bot => {
    const b = bot(...args);
    bots.push(b);
    return b;
  };
  const client = (url = redisUrl): Redis => {
    const c = new Redis(url);
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((b) => b.member.leave()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => undefined);

  it('a fleet-wide halt and resume reach all three instances, and the ops view shows them', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    const trio = ['a', 'b', 'c'].map((id) => make(client(), prefix, id, { fleet }));
    await Promise.all(trio.map((b) => b.member.ready));

    const halted = trio.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'halt'));
    const sent = await control.halt('exchange incident', 'alice');
    for (const event of await Promise.all(halted)) expect(event).toMatchObject({ id: sent.id, outcome: 'applied', by: 'alice' });
    for (const b of trio) {
      expect(b.gate.mode).toBe('halted');
      expect(b.gate.status.kill).toMatchObject({ reason: 'exchange incident', by: 'alice' });
    }
    expect(await control.haltState()).toMatchObject({ reason: 'exchange incident', by: 'alice' });

    // The gate change is published at the next beat: the ops view shows every instance halted.
    await Promise.all(trio.map((b) => nextEvent(b.member, 'heartbeat', (e) => e.snapshot)));
    const views = await control.instances();
    expect(views.map((v) => [v.id, v.gateMode, v.stale])).toEqual([
      ['a', 'halted', false],
      ['b', 'halted', false],
      ['c', 'halted', false],
    ]);
    expect(views[0]).toMatchObject({ pid: process.pid, snapshot: { breakers: [{ name: 'orders', state: 'closed' }], orders: { OPEN: 1, FILLED: 2 }, commands: { applied: 1 } } });

    const resumed = trio.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'resume'));
    await control.resume('incident over', 'alice');
    await Promise.all(resumed);
    for (const b of trio) expect(b.gate.mode).toBe('active');
    expect(await control.haltState()).toBeNull();
  });

  it('an instance that joins while the fleet is halted halts before it is ready; one that joins after the resume does not', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    await control.halt('maintenance', 'bob');
    const late = make(client(), prefix, 'late', { fleet });
    await late.member.ready;
    expect(late.gate.mode).toBe('halted');
    expect(late.gate.status.kill).toMatchObject({ reason: 'maintenance', by: 'bob' });
    expect(late.member.status.haltAtJoin).toMatchObject({ reason: 'maintenance' });

    const resumed = nextEvent(late.member, 'command', (e) => e.type === 'resume');
    await control.resume(undefined, 'bob');
    await resumed;
    expect(late.gate.mode).toBe('active');
    const later = make(client(), prefix, 'later', { fleet });
    await later.member.ready;
    expect(later.gate.mode).toBe('active');
  });

  it('a command to one instance reaches only it: isolate, release and reset a breaker; an unknown breaker is reported failed', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    const [a, b] = ['a', 'b'].map((id) => make(client(), prefix, id, { fleet }));
    await Promise.all([a!.member.ready, b!.member.ready]);
    const seenByA: string[] = [];
    a!.member.on('command', (e) => seenByA.push(e.type));

    let applied = nextEvent(b!.member, 'command');
    await control.send('b', { type: 'isolate', breaker: 'orders', reason: 'venue flaky' }, 'carol');
    expect(await applied).toMatchObject({ outcome: 'applied', target: 'b' });
    expect(b!.registry.get('orders')!.state).toBe('isolated');
    expect(a!.registry.get('orders')!.state).toBe('closed');

    applied = nextEvent(b!.member, 'command');
    await control.send('b', { type: 'release', breaker: 'orders' }, 'carol');
    await applied;
    expect(b!.registry.get('orders')!.state).toBe('closed');

    applied = nextEvent(b!.member, 'command');
    await control.send('b', { type: 'reset', breaker: 'nope' }, 'carol');
    expect(await applied).toMatchObject({ outcome: 'failed', message: 'no breaker named "nope" in this instance' });

    // A last command to all: A has seen only this one.
    const toAll = nextEvent(a!.member, 'command');
    await control.send('*', { type: 'reset', breaker: 'orders' });
    await toAll;
    expect(seenByA).toEqual(['reset']);
    await expect(control.send('b', { type: 'isolate' } as never)).rejects.toThrow(/fleet command\.breaker/);
  });

  it('a command that throws is reported failed and acknowledged; the commands after it still apply', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    const broken = { name: 'broken', state: 'closed', isolate: (): never => { throw new Error('cannot isolate'); }, reset: () => undefined };
    const b = make(client(), prefix, 'poison', { fleet, breakers: { breakers: () => [broken] } });
    await b.member.ready;
    const outcomes: string[] = [];
    b.member.on('command', (e) => outcomes.push(`${e.type}:${e.outcome}:${e.message}`));
    const halted = nextEvent(b.member, 'command', (e) => e.type === 'halt');
    await control.send('poison', { type: 'isolate', breaker: 'broken' });
    await control.halt('after the poison');
    await halted;
    expect(outcomes).toEqual(['isolate:failed:cannot isolate', 'halt:applied:halted: after the poison']);
    expect(b.gate.mode).toBe('halted');
  });

  it('commands sent while an instance is cut off from Redis are applied in order when it is back', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    const url = new URL(redisUrl);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 6379));
    proxies.push(proxy);
    await proxy.open();
    const via = client(`redis://127.0.0.1:${proxy.port}`);
    const away = make(via, prefix, 'away', { fleet });
    const near = make(client(), prefix, 'near', { fleet });
    await Promise.all([away.member.ready, near.member.ready]);

    const failedRead = nextEvent(away.member, 'readFailed');
    await proxy.close();
    await failedRead;
    const applied: string[] = [];
    away.member.on('command', (e) => applied.push(`${e.type}:${e.outcome}`));
    const nearDone = nextEvent(near.member, 'command', (e) => e.type === 'resume');
    await control.halt('cut off test', 'dave');
    // The first command is delivered to the instance's group but its reply never arrives (as when
    // the connection drops mid-reply): it sits in the group's pending list, and must still be applied first.
    const stream = fleetKeys(prefix, fleet).commands;
    const delivered = (await shared.client.xreadgroup('GROUP', 'away', 'away', 'COUNT', 1, 'STREAMS', stream, '>')) as Array<[string, unknown[]]>;
    expect(delivered[0]![1]).toHaveLength(1);
    await control.send('away', { type: 'isolate', breaker: 'orders' }, 'dave');
    await control.resume('back', 'dave');
    await control.halt('second halt', 'dave');
    await nearDone;
    expect(applied).toEqual([]);
    expect(away.gate.mode).toBe('active');

    const last = nextEvent(away.member, 'command', (e) => e.type === 'halt' && e.message.includes('second halt'));
    const ackedIds: string[] = [];
    const acked = nextEvent(away.member, 'acknowledged', (e) => ackedIds.push(...e.ids) >= 4);
    await proxy.open();
    await last;
    await acked;
    expect(applied).toEqual(['halt:applied', 'isolate:applied', 'resume:applied', 'halt:applied']);
    expect(away.gate.status.kill).toMatchObject({ reason: 'second halt' });
    expect(away.registry.get('orders')!.state).toBe('isolated');
    // Nothing left pending in its group: every command was acknowledged.
    const pending = (await shared.client.xpending(stream, 'away')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('a group destroyed under a running instance is made again after the last command it saw: nothing replayed, nothing lost', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    const b = make(client(), prefix, 'paused', { fleet });
    await b.member.ready;
    const seen: string[] = [];
    b.member.on('command', (e) => seen.push(e.type));
    const first = nextEvent(b.member, 'command');
    await control.halt('before', 'op');
    await first;

    const regrouped = nextEvent(b.member, 'readFailed', (e) => e.error.startsWith('NOGROUP'));
    await shared.client.xgroup('DESTROY', fleetKeys(prefix, fleet).commands, 'paused'); // as instances() does for a dropped instance
    const next = nextEvent(b.member, 'command', (e) => e.type === 'resume');
    await control.resume('after', 'op');
    await regrouped;
    await next;
    expect(seen).toEqual(['halt', 'resume']);
    expect(b.gate.mode).toBe('active');
  });

  it('fail-safe: no Redis for longer than maxDisconnectedMs moves the gate to reducing; the first heartbeat back clears it', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const clock = new ManualClock(1_000_000);
    const url = new URL(redisUrl);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 6379));
    proxies.push(proxy);
    await proxy.open();
    const via = client(`redis://127.0.0.1:${proxy.port}`);
    const b = make(via, prefix, 'lonely', { fleet, clock, heartbeatMs: 1_000, ttlMs: 5_000, maxDisconnectedMs: 3_000 });
    await b.member.ready;

    await proxy.close();
    if (via.status === 'ready') await once(via, 'close');
    // Three seconds without a reply is within the limit; the fourth tick is past it.
    await clock.advance(3_000);
    expect(b.gate.mode).toBe('active');
    const raised = nextEvent(b.member, 'failSafe', (e) => e.raised);
    await clock.advance(1_000);
    await raised;
    expect(b.gate.mode).toBe('reducing');
    expect(b.gate.conditions()).toEqual([expect.objectContaining({ name: FLEET_CONDITION, mode: 'reducing' })]);
    expect(b.member.status.failSafe).toBe(true);

    const cleared = nextEvent(b.member, 'failSafe', (e) => !e.raised);
    await proxy.open();
    // The heartbeat held up by the outage goes out on reconnect; if it had given up, the next tick sends one.
    await clock.advance(1_000);
    await cleared;
    expect(b.gate.mode).toBe('active');
    expect(b.gate.conditions()).toEqual([]);
  });

  it('a slow snapshot source delays the snapshot, never the heartbeat', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const clock = new ManualClock(0);
    const health = deferred<{ status: string }>();
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    const b = make(client(), prefix, 'slow', { fleet, clock, health: { check: () => health.promise } });
    // The heartbeat waits 250 ms for the snapshot, then goes without it. The join's first replies
    // come over the network, so time moves on in steps until the member is ready.
    let beat: { snapshot: boolean } | undefined;
    b.member.on('heartbeat', (e) => (beat ??= e));
    let ready = false;
    void b.member.ready.then(() => (ready = true));
    while (!ready) await clock.advance(50);
    expect(beat).toMatchObject({ snapshot: false });
    expect((await control.instance('slow'))?.snapshot).toBeNull();

    const withSnapshot = nextEvent(b.member, 'heartbeat', (e) => e.snapshot);
    health.resolve({ status: 'up' });
    await withSnapshot;
    expect((await control.instance('slow'))?.snapshot).toMatchObject({ health: { status: 'up' } });
  });

  it('an instance turns stale when its alive key expires or it leaves, and is dropped (group destroyed) once its instance key is gone', async () => {
    const fleet = `f${randomUUID().slice(0, 8)}`;
    const keys = fleetKeys(prefix, fleet);
    const control = fleetControl({ redis: shared.client, prefix, fleet });
    const clock = new ManualClock(5_000);
    const x = make(client(), prefix, 'x', { fleet, clock, ttlMs: 4_000 });
    const y = make(client(), prefix, 'y', { fleet, clock });
    await Promise.all([x.member.ready, y.member.ready]);
    // The alive key carries the instance's TTL: Redis expires it, whatever the machines' clocks say.
    const ttl = await shared.client.pttl(keys.alive('x'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(4_000);
    expect((await control.instances()).map((v) => [v.id, v.stale])).toEqual([
      ['x', false],
      ['y', false],
    ]);

    await shared.client.del(keys.alive('x')); // what Redis does when the TTL passes without a heartbeat
    await y.member.leave();
    const views = await control.instances();
    expect(views.map((v) => [v.id, v.stale, v.lastHeartbeatAt])).toEqual([
      ['x', true, 5_000],
      ['y', true, 5_000],
    ]);
    expect(views[1]!.leftAt).toBe(5_000);

    await x.member.leave(); // a dropped instance runs no more (a running one would create its group again)
    await shared.client.del(keys.instance('x')); // what Redis does after dropAfterMs
    expect((await control.instances()).map((v) => v.id)).toEqual(['y']);
    expect(await shared.client.zscore(keys.instances, 'x')).toBeNull();
    const groups = (await shared.client.xinfo('GROUPS', keys.commands)) as Array<unknown[]>;
    const names = groups.map((g) => g[g.indexOf('name') + 1]);
    expect(names).not.toContain('x');
    expect(names).toContain('y');
  });
});
