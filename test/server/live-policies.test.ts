/**
 * livePolicies: the configuration's `policies:` changed at run time reach the attached exchange's
 * policies at once (real ccxt.binance over the offline simulator), are kept in the operator
 * settings (SQLite) and come back after a restart unless the file changed the key since.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, type BulwarkConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { livePolicies } from '../../src/server/live-policies.js';
import { type OperatorSettings, operatorSettings } from '../../src/storage/repos/operator-settings.js';
import { type SqliteStorage, sqliteStorage } from '../../src/storage/sqlite.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { presetBreakerOptions } from '../../src/trading/presets.js';
import { offlineBinance } from '../trading/support/offline-binance.js';

const presetWindow = presetBreakerOptions('exchangeApi').window!;
const config: BulwarkConfig = { ...CONFIG_DEFAULTS, policies: { ...CONFIG_DEFAULTS.policies, timeout: { ms: 5_000 } } };

let dir: string;
let storage: SqliteStorage;
let store: OperatorSettings;
let clock: ManualClock;
const errors: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-live-policies-'));
  clock = new ManualClock(1_000_000);
  storage = await sqliteStorage({ dataDir: dir, clock });
  store = operatorSettings(storage, { clock });
  errors.length = 0;
});
afterEach(async () => {
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

async function exchange() {
  const env = await offlineBinance({ clock });
  env.exchange.timeout = config.policies.timeout.ms;
  return resilientExchange(env.exchange, { clock, random: seededRandom(5), maxAttempts: config.policies.retry.maxAttempts, breaker: { ...config.policies.breaker } });
}

const start = (file: BulwarkConfig = config) => livePolicies(file, { presetWindow, clock, onError: (m) => errors.push(m) });

describe('livePolicies', () => {
  it('a change reaches every breaker, the retry, the budget and the ccxt timeout of the attached exchange at once', async () => {
    const live = start();
    const rex = await exchange();
    live.attach(rex);
    const changes: unknown[] = [];
    rex.on('settingsChange', (c) => changes.push(c));
    live.runtime.update('policies.timeout.ms', 1_200, { actor: 'alice', reason: 'p99.9 is 400 ms' });
    live.runtime.update('policies.breaker.window', { kind: 'count', size: 200 });
    live.runtime.update('policies.retry.budget', { ratio: 0.1, minRetriesPerSecond: 1 });
    live.runtime.update('policies.retry.maxAttempts', 2);
    expect(rex.exchange.timeout).toBe(1_200);
    expect(rex.currentSettings()).toMatchObject({ timeoutMs: 1_200, maxAttempts: 2, retryBudget: { ratio: 0.1, minRetriesPerSecond: 1 } });
    for (const b of [rex.breakers!.exchange, ...Object.values(rex.breakers!.groups)]) expect(b.currentSettings()).toMatchObject({ window: { kind: 'count', size: 200 }, failureRateThreshold: 0.5, minimumCalls: 20 });
    expect(changes).toHaveLength(4);
    // The advisor judges what runs now.
    expect(live.settings()).toMatchObject({ timeout: { ms: 1_200 }, retry: { maxAttempts: 2, retryBudget: { ratio: 0.1 } }, breaker: { window: { kind: 'count', size: 200 } } });
    expect(live.overrides().map((o) => o.key).sort()).toEqual(['policies.breaker.window', 'policies.retry.budget', 'policies.retry.maxAttempts', 'policies.timeout.ms']);
    expect(errors).toEqual([]);
  });

  it('attaching applies the settings in force; a key outside policies is refused', async () => {
    const live = start();
    live.runtime.update('policies.breaker.openMs', 9_000);
    const rex = await exchange();
    live.attach(rex);
    expect(rex.breakers!.exchange.currentSettings().openMs).toBe(9_000);
    expect(() => live.runtime.update('server.port', 1)).toThrow(/cannot change at run time/);
    expect(() => live.runtime.update('policies.retry.maxAttempts', 0)).toThrow(/maxAttempts/);
    expect(rex.currentSettings().maxAttempts).toBe(3);
  });

  it('a kept change comes back after a restart; one whose key the file changed since is dropped, the file winning', async () => {
    const first = start();
    await first.persist(store);
    first.runtime.update('policies.timeout.ms', 1_500, { actor: 'alice', reason: 'tuned' });
    first.runtime.update('policies.breaker.minimumCalls', 40, { actor: 'bob' });
    first.close();
    await expect.poll(async () => (await store.list('policy:')).length).toBe(2);

    // Restart with the same file: both back, on the exchange too.
    const second = start();
    const rex = await exchange();
    second.attach(rex);
    const restored = await second.persist(store);
    expect(restored.restored.map((r) => [r.key, r.value, r.actor])).toEqual([
      ['policies.breaker.minimumCalls', 40, 'bob'],
      ['policies.timeout.ms', 1_500, 'alice'],
    ]);
    expect(restored.dropped).toEqual([]);
    expect(rex.exchange.timeout).toBe(1_500);
    expect(rex.breakers!.groups.orders.currentSettings().minimumCalls).toBe(40);
    second.close();

    // Restart with a file that now sets the timeout itself: the file wins, the stored change goes.
    const edited: BulwarkConfig = { ...config, policies: { ...config.policies, timeout: { ms: 3_000 } } };
    const third = start(edited);
    const after = await third.persist(store);
    expect(after.restored.map((r) => r.key)).toEqual(['policies.breaker.minimumCalls']);
    expect(after.dropped).toEqual([{ key: 'policies.timeout.ms', why: expect.stringContaining('the configuration file now sets 3000 (it set 5000 when the change was made): the file wins') }]);
    expect(third.runtime.get('policies.timeout.ms')).toBe(3_000);
    expect((await store.list('policy:')).map((s) => s.key)).toEqual(['policy:policies.breaker.minimumCalls']);
  });

  it('revert puts the file value back and forgets the kept change; reverting again changes nothing', async () => {
    const live = start();
    await live.persist(store);
    const rex = await exchange();
    live.attach(rex);
    live.runtime.update('policies.breaker.window', { kind: 'count', size: 50 }, { actor: 'alice' });
    await expect.poll(async () => (await store.list('policy:')).length).toBe(1);
    const change = live.revert('policies.breaker.window', { actor: 'bob', reason: 'back' });
    expect(change).toMatchObject({ path: 'policies.breaker.window', from: { kind: 'count', size: 50 }, actor: 'bob' });
    expect(change!.to).toBeUndefined();
    // Unset in the file: the exchangeApi preset's window again.
    expect(rex.breakers!.exchange.currentSettings().window).toEqual(presetWindow);
    expect(live.overrides()).toEqual([]);
    await expect.poll(async () => (await store.list('policy:')).length).toBe(0);
    expect(live.revert('policies.breaker.window', { actor: 'bob' })).toBeUndefined();
    expect(() => live.revert('server.port', { actor: 'bob' })).toThrow(/not a key that changes at run time/);
  });

  it('a change that cannot be kept is reported, and stays in force', async () => {
    const live = start();
    const failing: OperatorSettings = { ...store, put: () => Promise.reject(new Error('disk full')) };
    await live.persist(failing);
    live.runtime.update('policies.retry.maxAttempts', 4);
    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]).toMatch(/policies\.retry\.maxAttempts could not be kept \(a restart would lose it\): disk full/);
    expect(live.runtime.get('policies.retry.maxAttempts')).toBe(4);
  });

  it('two instances on one store: a change made on one is taken up by the other at its sync, and so is a revert', async () => {
    const a = start();
    const b = start();
    await a.persist(store);
    await b.persist(store);
    const rexB = await exchange();
    b.attach(rexB);
    a.set('policies.timeout.ms', 1_800, { actor: 'alice', reason: 'tuned on a' });
    await expect.poll(async () => (await store.list('policy:')).length).toBe(1);
    const taken = await b.sync();
    expect(taken).toEqual([expect.objectContaining({ path: 'policies.timeout.ms', from: 5_000, to: 1_800, actor: 'alice', reason: 'changed on another instance: tuned on a' })]);
    expect(rexB.exchange.timeout).toBe(1_800);
    expect(b.overrides()).toEqual([expect.objectContaining({ key: 'policies.timeout.ms', value: 1_800, actor: 'alice', reason: 'tuned on a' })]);
    // Taken, not written again: the row is a's as it wrote it.
    expect((await store.get('policy:policies.timeout.ms'))?.reason).toBe('tuned on a');
    expect(await b.sync()).toEqual([]);
    expect(await a.sync()).toEqual([]);

    a.revert('policies.timeout.ms', { actor: 'alice' });
    await expect.poll(async () => (await store.list('policy:')).length).toBe(0);
    expect(await b.sync()).toEqual([expect.objectContaining({ path: 'policies.timeout.ms', to: 5_000, actor: 'fleet', reason: 'reverted on another instance' })]);
    expect(rexB.exchange.timeout).toBe(5_000);
    expect(b.overrides()).toEqual([]);
  });

  it('a sync while this instance is still writing its own change leaves that change alone', async () => {
    let release: () => void = () => undefined;
    const slow: OperatorSettings = { ...store, put: (...args) => new Promise((resolve) => (release = () => resolve(store.put(...args)))) };
    const b = start();
    await b.persist(slow);
    b.set('policies.retry.maxAttempts', 5, { actor: 'bob', reason: 'local' });
    // Its row is not written yet: the store says nothing of it, and the sync must not revert it.
    expect(await b.sync()).toEqual([]);
    expect(b.runtime.get('policies.retry.maxAttempts')).toBe(5);
    release();
    await expect.poll(async () => (await store.list('policy:')).length).toBe(1);
    expect(await b.sync()).toEqual([]);
    expect(b.runtime.get('policies.retry.maxAttempts')).toBe(5);
  });

  it('a change kept for another configuration file is left alone here (this file wins)', async () => {
    const other = start({ ...config, policies: { ...config.policies, timeout: { ms: 7_000 } } });
    const here = start();
    await other.persist(store);
    await here.persist(store);
    other.set('policies.timeout.ms', 1_000, { actor: 'carol' });
    await expect.poll(async () => (await store.list('policy:')).length).toBe(1);
    expect(await here.sync()).toEqual([]);
    expect(here.runtime.get('policies.timeout.ms')).toBe(5_000);
    // The other's row stays: syncing never removes what another instance kept.
    expect((await store.list('policy:')).length).toBe(1);
  });
});
