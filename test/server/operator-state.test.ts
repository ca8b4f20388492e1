/**
 * An operator's halt survives a restart: the kill switch, a breaker isolation and alert rule changes
 * made over the API are written to storage, and a new server over the same database (new gate,
 * new breakers, new rules: a new process) puts them back, showing who set them and when.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AlertEngine } from '../../src/observe/alerts/engine.js';
import { registrySource } from '../../src/observe/alerts/source.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createRegistry } from '../../src/policies/registry.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { liveEvents } from '../../src/server/live-events.js';
import { operatorState } from '../../src/server/operator-state.js';
import { recoverAtStart } from '../../src/server/start-recovery.js';
import { operatorSettings } from '../../src/storage/repos/operator-settings.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { tradingGate } from '../../src/trading/gate.js';
import { tempDir } from '../storage/helpers.js';

const temp = tempDir('bulwark-operator-');
const opened: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

const rule = { name: 'DlqDeep', metric: 'bulwark_dlq_depth', condition: '>', threshold: 10, severity: 'warning', description: 'letters pile up' } as const;

/** One "process": its own gate, breakers and rules over the database file in `dir`. */
async function boot(dir: string, clock: ManualClock) {
  const storage = await sqliteStorage({ dataDir: dir, clock });
  const metrics = createMetrics({ defaultMetrics: false });
  const registry = createRegistry({ defaults: { clock } });
  registry.breaker('exchange');
  const gate = tradingGate({ clock });
  const alerts = new AlertEngine({ source: registrySource(metrics.registry), clock });
  alerts.add(rule);
  alerts.add({ ...rule, name: 'BuiltIn', threshold: 1 });
  const events = liveEvents({ clock });
  const operator = operatorState({ store: operatorSettings(storage, { clock }), gate, breakers: registry, alerts, now: () => clock.now() });
  const recovery = await recoverAtStart({ operator, events });
  const app: OpsApp = await buildApp({ metrics, events, gate, breakers: registry, alerts, operatorState: operator, clock });
  opened.push(() => storage.close(), () => app.close());
  return { app, gate, registry, alerts, events, recovery, storage };
}

describe('operator state across a restart', () => {
  it('restores the kill switch, an isolation and rule changes, with who set them and when', async () => {
    const dir = `${temp.dir}/restart`;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = await boot(dir, clock);
    const halt = await first.app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'exchange incident', actor: 'alice' } });
    expect(halt.json()).toMatchObject({ mode: 'halted', killed: true, killedBy: { actor: 'alice', reason: 'exchange incident', at: Date.UTC(2026, 0, 1) } });
    await clock.advance(1_000);
    const isolate = await first.app.inject({ method: 'POST', url: '/api/breakers/exchange/isolate', headers: { 'x-bulwark-actor': 'bob' }, payload: { reason: 'maintenance' } });
    expect(isolate.json()).toMatchObject({ state: 'isolated', isolatedBy: { actor: 'bob', reason: 'maintenance' } });
    expect((await first.app.inject({ method: 'PUT', url: '/api/alerts/rules/DlqDeep', headers: { 'x-bulwark-actor': 'carol' }, payload: { threshold: 50 } })).statusCode).toBe(200);
    expect((await first.app.inject({ method: 'DELETE', url: '/api/alerts/rules/BuiltIn' })).statusCode).toBe(204);
    expect(first.events.timeline({ limit: 10 }).filter((e) => e.kind === 'operator').map((e) => e.actor)).toEqual(['operator', 'carol', 'bob', 'alice']);
    await first.app.close();
    await first.storage.close();

    const second = await boot(dir, clock);
    expect(second.gate.mode).toBe('halted');
    expect(second.recovery.operator).toMatchObject({ killed: { actor: 'alice' }, isolated: ['exchange'], skipped: [] });
    expect(second.registry.get('exchange')!.state).toBe('isolated');
    expect(second.alerts.get('DlqDeep')!.rule.threshold).toBe(50);
    expect(second.alerts.get('BuiltIn')).toBeUndefined();
    expect((await second.app.inject({ method: 'GET', url: '/api/gate' })).json()).toMatchObject({ mode: 'halted', killedBy: { actor: 'alice', reason: 'exchange incident' } });
    const breakers = (await second.app.inject({ method: 'GET', url: '/api/breakers' })).json() as Array<{ name: string; isolatedBy: unknown }>;
    expect(breakers.find((b) => b.name === 'exchange')!.isolatedBy).toMatchObject({ actor: 'bob', reason: 'maintenance', at: Date.UTC(2026, 0, 1) + 1_000 });
    expect(((await second.app.inject({ method: 'GET', url: '/api/alerts/rules/DlqDeep' })).json() as { changedBy: unknown }).changedBy).toMatchObject({ actor: 'carol' });
    expect(second.events.timeline({ limit: 10 }).map((e) => e.message)).toContainEqual(expect.stringMatching(/^kill switch restored: set by alice/));

    // A release is durable too: the third start trades and the breaker is closed.
    expect((await second.app.inject({ method: 'POST', url: '/api/gate/resume', payload: { actor: 'alice' } })).json()).toMatchObject({ mode: 'active', killedBy: null });
    expect((await second.app.inject({ method: 'POST', url: '/api/breakers/exchange/release', payload: {} })).statusCode).toBe(200);
    await second.app.close();
    await second.storage.close();

    const third = await boot(dir, clock);
    expect(third.gate.mode).toBe('active');
    expect(third.registry.get('exchange')!.state).toBe('closed');
    expect(third.alerts.get('DlqDeep')!.rule.threshold).toBe(50);
  });

  it('forgets a kill switch released outside the API (a fleet command), so a restart does not halt again', async () => {
    const dir = `${temp.dir}/fleet`;
    const clock = new ManualClock(0);
    const first = await boot(dir, clock);
    await first.app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'halt' } });
    first.gate.resume('fleet resume');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await operatorSettings(first.storage).get('gate:kill')).toBeUndefined();
  });

  it('a bad actor is a 400 naming the field', async () => {
    const clock = new ManualClock(0);
    const { app } = await boot(`${temp.dir}/bad`, clock);
    const body = await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'x', actor: 'a b' } });
    expect(body.statusCode).toBe(400);
    expect(body.json().detail).toMatch(/body\.actor/);
    const header = await app.inject({ method: 'POST', url: '/api/gate/halt', headers: { 'x-bulwark-actor': 'a b' }, payload: { reason: 'x' } });
    expect(header.statusCode).toBe(400);
    expect(header.json().detail).toMatch(/x-bulwark-actor/);
  });
});
