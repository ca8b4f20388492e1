/**
 * Manual failover routing survives a restart: drains, a pin and a forced priority made over the
 * API are written to the operator state, and a new process (a new group, new storage handle over
 * the same SQLite file) puts them back with `restoreManual` before anything routes, saying who set
 * them. Back to automatic with nothing drained leaves nothing to restore.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { liveEvents } from '../../src/server/live-events.js';
import { operatorState } from '../../src/server/operator-state.js';
import { recoverAtStart } from '../../src/server/start-recovery.js';
import { operatorSettings } from '../../src/storage/repos/operator-settings.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { restGroup } from '../support/failover-groups.js';
import { tempDir } from '../storage/helpers.js';

const temp = tempDir('bulwark-failover-restart-');
const opened: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

/** One "process": its own group and operator state over the database file in `dir`. */
async function boot(dir: string, clock: ManualClock, without: readonly string[] = []) {
  const storage = await sqliteStorage({ dataDir: dir, clock });
  const groups = [restGroup(clock, { without })];
  const events = liveEvents({ clock });
  const operator = operatorState({ store: operatorSettings(storage, { clock }), failover: { groups: () => groups }, now: () => clock.now() });
  const recovery = await recoverAtStart({ operator, events });
  const app: OpsApp = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), events, failover: { groups: () => groups }, operatorState: operator, clock });
  const stop = async () => {
    await app.close();
    await storage.close();
  };
  opened.push(stop);
  return { app, group: groups[0]!, events, recovery, storage, stop };
}

describe('failover manual routing across a restart', () => {
  it('puts drains and a forced priority back with who set them; automatic with nothing drained is not restored', async () => {
    const dir = `${temp.dir}/restart`;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = await boot(dir, clock);
    expect((await first.app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api2/drain', payload: { reason: 'api2 answers 5xx', actor: 'alice' } })).statusCode).toBe(200);
    await clock.advance(1_000);
    expect((await first.app.inject({ method: 'POST', url: '/api/failover/binance:rest/priority', payload: { priority: 1, reason: 'primary degraded', actor: 'bob' } })).statusCode).toBe(200);
    expect(first.group.manual()).toEqual({ drained: ['api2'], forcedPriority: 1 });
    await first.stop();

    const second = await boot(dir, clock);
    // Before any call: the restored routing is in force.
    expect(second.group.manual()).toEqual({ drained: ['api2'], forcedPriority: 1 });
    expect(second.group.snapshot()).toMatchObject({ mode: 'forced', activePriority: 1 });
    expect(second.group.pick().name).toBe('api3');
    expect(second.recovery.operator).toMatchObject({ failover: [{ group: 'binance:rest', manual: { drained: ['api2'], forcedPriority: 1 }, by: { actor: 'bob', reason: 'primary degraded' } }], skipped: [] });
    // The last change's author and reason, at its time; the history says it was restored.
    const view = (await second.app.inject({ method: 'GET', url: '/api/failover/binance:rest' })).json() as { manualBy: unknown; history: Array<{ actor?: string; detail: string }> };
    expect(view.manualBy).toEqual({ actor: 'bob', reason: 'primary degraded', at: Date.UTC(2026, 0, 1) + 1_000 });
    expect(view.history[0]).toMatchObject({ actor: 'bob', detail: 'restored at start: primary degraded' });
    expect(second.events.timeline({ limit: 10 }).map((e) => e.message)).toContain('failover routing restored: drained api2; forced priority 1 (set by bob: primary degraded)');

    // Undone over the API: the third start routes automatically.
    await second.app.inject({ method: 'POST', url: '/api/failover/binance:rest/automatic', payload: { reason: 'over' } });
    await second.app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api2/undrain', payload: { reason: 'over' } });
    expect(await operatorSettings(second.storage).get('failover:binance:rest')).toBeUndefined();
    await second.stop();

    const third = await boot(dir, clock);
    expect(third.group.manual()).toEqual({ drained: [] });
    expect(third.recovery.operator?.failover).toEqual([]);
  });

  it('a stored routing naming an endpoint the group no longer has is skipped with the reason, not applied in part', async () => {
    const dir = `${temp.dir}/gone`;
    const clock = new ManualClock(0);
    const first = await boot(dir, clock);
    await first.app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api1/drain', payload: { reason: 'a' } });
    await first.app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api2/drain', payload: { reason: 'b' } });
    await first.stop();

    const second = await boot(dir, clock, ['api2']);
    expect(second.recovery.operator?.failover).toEqual([]);
    expect(second.recovery.operator?.skipped).toEqual([{ key: 'failover:binance:rest', why: expect.stringContaining('api2') }]);
    expect(second.group.manual()).toEqual({ drained: [] });
    expect(second.events.timeline({ limit: 10 }).map((e) => e.message)).toContainEqual(expect.stringMatching(/^not restored: .*api2/));
  });

  it('a stored routing edited into a wrong shape is skipped naming the field, and nothing of it applied', async () => {
    const dir = `${temp.dir}/edited`;
    const clock = new ManualClock(0);
    const storage = await sqliteStorage({ dataDir: dir, clock });
    await operatorSettings(storage, { clock }).put('failover:binance:rest', { drained: ['api1'], forcedPriority: -1 }, { actor: 'mallory', reason: 'edited' });
    await storage.close();
    const second = await boot(dir, clock);
    expect(second.recovery.operator?.skipped).toEqual([{ key: 'failover:binance:rest', why: expect.stringMatching(/^stored failover routing: forcedPriority must be/) }]);
    expect(second.group.manual()).toEqual({ drained: [] });
  });

  it('concurrent changes to one group store the latest routing', async () => {
    const dir = `${temp.dir}/concurrent`;
    const clock = new ManualClock(0);
    const first = await boot(dir, clock);
    await Promise.all([
      first.app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api1/drain', payload: { reason: 'a' } }),
      first.app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api2/drain', payload: { reason: 'b' } }),
      first.app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api3/pin', payload: { reason: 'c' } }),
    ]);
    const stored = (await operatorSettings(first.storage).get('failover:binance:rest'))!.value as { drained: string[]; pinned?: string };
    expect({ drained: [...stored.drained].sort(), pinned: stored.pinned }).toEqual({ drained: ['api1', 'api2'], pinned: 'api3' });
  });
});
