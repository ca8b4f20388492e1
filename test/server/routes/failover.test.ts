import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FailoverGroup } from '../../../src/failover/types.js';
import { type OpsApp, buildApp } from '../../../src/server/app.js';
import { eject, restGroup } from '../../support/failover-groups.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
let app: OpsApp;
let group: FailoverGroup<string>;
let web: string;

async function setup(): Promise<void> {
  f = await fixture();
  group = restGroup(f.clock);
  web = await mkdtemp(join(tmpdir(), 'bulwark-failover-routes-'));
  app = await buildApp({ ...f.components, failover: { groups: () => [group] } }, { webRoot: join(web, 'none') });
}

afterEach(async () => {
  await app?.close();
  await f?.close();
  if (web) await rm(web, { recursive: true, force: true });
});

const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });
const endpointOf = (body: { endpoints: Array<{ name: string; state: string }> }, name: string) => body.endpoints.find((e) => e.name === name);

describe('failover routes', () => {
  it("lists every group's snapshot, and one group with its history, newest first", async () => {
    await setup();
    eject(group, 'api1');
    const list = await app.inject({ method: 'GET', url: '/api/failover' });
    expect(list.statusCode).toBe(200);
    const groups = list.json() as Array<{ name: string; mode: string; activePriority: number; endpoints: Array<{ name: string; state: string }>; manualBy: unknown; history?: unknown }>;
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ name: 'binance:rest', strategy: 'priority', mode: 'automatic', activePriority: 0, manual: { drained: [] }, manualBy: null });
    expect(groups[0]!.endpoints.map((e) => [e.name, e.state])).toEqual([
      ['api1', 'ejected'],
      ['api2', 'healthy'],
      ['api3', 'healthy'],
    ]);
    expect(groups[0]!.history).toBeUndefined();

    await post('/api/failover/binance:rest/endpoints/api2/drain', { reason: 'maintenance window' });
    const one = (await app.inject({ method: 'GET', url: '/api/failover/binance:rest' })).json() as { history: Array<{ kind: string; endpoint?: string; to: string; reason: string; actor?: string }> };
    // Newest first: the drain (and what it caused) before the ejection.
    const endpointChanges = one.history.filter((c) => c.kind === 'endpoint');
    expect(endpointChanges.map((c) => [c.endpoint, c.to, c.reason])).toEqual([
      ['api2', 'drained', 'operator'],
      ['api1', 'ejected', 'consecutive-gateway-failures'],
    ]);
    const withHistory = (await app.inject({ method: 'GET', url: '/api/failover?history=1' })).json() as Array<{ history: unknown[] }>;
    expect(withHistory[0]!.history).toHaveLength(1);
  });

  it('drain takes an endpoint out with a reason and an actor: history, timeline, operator mark; twice is a 409; undrain puts it back', async () => {
    await setup();
    const res = await post('/api/failover/binance:rest/endpoints/api1/drain', { reason: 'api1 answers 5xx', actor: 'alice' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { endpoints: Array<{ name: string; state: string }>; manual: unknown; manualBy: unknown };
    expect(endpointOf(body, 'api1')!.state).toBe('drained');
    expect(body.manual).toEqual({ drained: ['api1'] });
    expect(body.manualBy).toMatchObject({ actor: 'alice', reason: 'api1 answers 5xx' });
    // No call goes to a drained endpoint.
    for (let i = 0; i < 20; i++) expect(group.pick().name).not.toBe('api1');
    expect(group.history().at(-1)).toMatchObject({ kind: 'endpoint', endpoint: 'api1', to: 'drained', reason: 'operator', detail: 'api1 answers 5xx', actor: 'alice' });
    const entry = f.events.timeline({ limit: 5 }).find((e) => e.kind === 'operator');
    expect(entry).toMatchObject({ subject: 'binance:rest', actor: 'alice', severity: 'warning' });
    expect(entry!.message).toBe('failover: api1 drained by alice: api1 answers 5xx (now drained api1)');

    const again = await post('/api/failover/binance:rest/endpoints/api1/drain', { reason: 'again' });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toBe('endpoint "api1" of "binance:rest" is already drained');

    const back = await post('/api/failover/binance:rest/endpoints/api1/undrain', { reason: 'fixed' });
    expect(back.statusCode).toBe(200);
    expect(endpointOf(back.json(), 'api1')!.state).not.toBe('drained');
    expect(back.json().manualBy).toBeNull();
    expect((await post('/api/failover/binance:rest/endpoints/api1/undrain', { reason: 'twice' })).statusCode).toBe(409);
    await post('/api/failover/binance:rest/endpoints/api2/drain', { reason: 'again' });
    const pinDrained = await post('/api/failover/binance:rest/endpoints/api2/pin', { reason: 'x' });
    expect(pinDrained.statusCode).toBe(409);
    expect(pinDrained.json().detail).toMatch(/is drained: undrain it before pinning it/);
  });

  it('pin, force a priority and back to automatic, each in the group and its answer', async () => {
    await setup();
    const pinned = await post('/api/failover/binance:rest/endpoints/api3/pin', { reason: 'test the backup' });
    expect(pinned.json()).toMatchObject({ mode: 'pinned', manual: { drained: [], pinned: 'api3' } });
    for (let i = 0; i < 10; i++) expect(group.pick().name).toBe('api3');
    expect((await post('/api/failover/binance:rest/endpoints/api3/pin', { reason: 'twice' })).statusCode).toBe(409);
    const drainPinned = await post('/api/failover/binance:rest/endpoints/api3/drain', { reason: 'x' });
    expect(drainPinned.statusCode).toBe(409);
    expect(drainPinned.json().detail).toMatch(/is pinned: return the group to automatic routing/);

    const forced = await post('/api/failover/binance:rest/priority', { priority: 1, reason: 'primary region degraded' });
    expect(forced.statusCode).toBe(200);
    expect(forced.json()).toMatchObject({ mode: 'forced', activePriority: 1, manual: { forcedPriority: 1 } });

    const automatic = await post('/api/failover/binance:rest/automatic', { reason: 'incident over' });
    expect(automatic.json()).toMatchObject({ mode: 'automatic', activePriority: 0, manual: { drained: [] }, manualBy: null });
    const twice = await post('/api/failover/binance:rest/automatic', { reason: 'again' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().detail).toMatch(/already routes automatically/);
  });

  it('404 names an unknown group or endpoint; 400 names a missing reason, an unknown field or a priority no endpoint has', async () => {
    await setup();
    const noGroup = await post('/api/failover/kraken:rest/endpoints/api1/drain', { reason: 'x' });
    expect(noGroup.statusCode).toBe(404);
    expect(noGroup.json().detail).toBe('no failover group named "kraken:rest" (groups: binance:rest)');
    expect((await app.inject({ method: 'GET', url: '/api/failover/kraken:rest' })).statusCode).toBe(404);
    const noEndpoint = await post('/api/failover/binance:rest/endpoints/api9/pin', { reason: 'x' });
    expect(noEndpoint.statusCode).toBe(404);
    expect(noEndpoint.json().detail).toBe('no endpoint named "api9" in failover group "binance:rest" (endpoints: api1, api2, api3)');

    const noReason = await post('/api/failover/binance:rest/endpoints/api1/drain', {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors).toEqual([expect.objectContaining({ field: 'body.reason' })]);
    const blank = await post('/api/failover/binance:rest/automatic', { reason: '   ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().detail).toMatch(/^body\.reason: say why routing is changed by hand/);
    const extra = await post('/api/failover/binance:rest/endpoints/api1/drain', { reason: 'x', force: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().detail).toMatch(/^body/);
    const level = await post('/api/failover/binance:rest/priority', { priority: 7, reason: 'x' });
    expect(level.statusCode).toBe(400);
    expect(level.json().errors).toEqual([{ field: 'body.priority', reason: 'no endpoint has priority 7 (levels: 0, 1)' }]);
    const notNumber = await post('/api/failover/binance:rest/priority', { priority: 'one', reason: 'x' });
    expect(notNumber.statusCode).toBe(400);
    expect(notNumber.json().errors[0].field).toBe('body.priority');
    // Nothing refused changed anything.
    expect(group.manual()).toEqual({ drained: [] });
  });

  it('a server without failover groups answers 404 saying so, and the overview counts the groups', async () => {
    await setup();
    expect((await app.inject({ method: 'GET', url: '/api/overview' })).json().failover).toEqual({ groups: 1 });
    const res = await f.app.inject({ method: 'GET', url: '/api/failover' });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toBe('failover groups is not configured on this server');
    expect((await f.app.inject({ method: 'GET', url: '/api/overview' })).json().failover).toEqual({ groups: 0 });
  });
});
