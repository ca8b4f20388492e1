/**
 * A configured service with two accounts on the simulator: a policy set live over the API reaches
 * both accounts' exchanges at once, comes back after a restart (the same data folder), and is
 * dropped at a restart whose configuration changed that key since (the file wins), on the timeline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { buildApp } from '../../src/server/app.js';
import { componentsFromConfig } from '../../src/server/configured.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';

describe('policies applied live in a configured service', () => {
  let dir: string;
  let sim: SimServer;
  const configOf = (timeoutMs?: number) =>
    loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: {
        dataDir: join(dir, 'data'),
        ...(timeoutMs !== undefined ? { policies: { timeout: { ms: timeoutMs } } } : {}),
        exchanges: [
          { name: 'desk-a', id: 'binance', url: sim.url, apiKey: 'a', secret: 'a', symbols: ['BTC/USDT'] },
          { name: 'desk-b', id: 'binance', url: sim.url, apiKey: 'b', secret: 'b', symbols: ['BTC/USDT'] },
        ],
      },
    }).config;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-live-policies-'));
    sim = await startSimServer({ seed: 4 });
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reaches every account at once, survives a restart, and loses to a configuration changed since', async () => {
    const first = await componentsFromConfig(configOf());
    let app = await buildApp(first.components, { webRoot: join(dir, 'none') });
    try {
      const set = await app.inject({ method: 'POST', url: '/api/analytics/applied', payload: { key: 'policies.breaker.window', value: { kind: 'count', size: 50 }, reason: 'rate window', actor: 'dana' } });
      expect(set.statusCode, set.body).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/api/analytics/applied', payload: { key: 'policies.timeout.ms', value: 1_500, reason: 'p99.9 is 300 ms', actor: 'dana' } })).statusCode).toBe(200);
      for (const account of first.accounts) {
        expect(account.exchange.exchange.timeout).toBe(1_500);
        for (const b of account.breakers) expect(b.currentSettings().window).toEqual({ kind: 'count', size: 50 });
      }
      // The tuning advisor judges what runs now.
      const advice = (await app.inject({ method: 'GET', url: '/api/analytics/recommendations' })).json<{ current: { timeout: { ms: number }; breaker: { window: unknown } } }>();
      expect(advice.current).toMatchObject({ timeout: { ms: 1_500 }, breaker: { window: { kind: 'count', size: 50 } } });
    } finally {
      await app.close();
      await first.close();
    }

    // A restart with the same configuration: both changes back, on both accounts.
    const second = await componentsFromConfig(configOf());
    app = await buildApp(second.components, { webRoot: join(dir, 'none') });
    try {
      for (const account of second.accounts) {
        expect(account.exchange.exchange.timeout).toBe(1_500);
        for (const b of account.breakers) expect(b.currentSettings().window).toEqual({ kind: 'count', size: 50 });
      }
      const applied = (await app.inject({ method: 'GET', url: '/api/analytics/applied' })).json<{ overrides: Array<{ key: string; value: unknown; actor: string }> }>();
      expect(applied.overrides.map((o) => [o.key, o.value, o.actor]).sort()).toEqual([
        ['policies.breaker.window', { kind: 'count', size: 50 }, 'dana'],
        ['policies.timeout.ms', 1_500, 'dana'],
      ]);
      expect(second.components.events!.timeline().filter((e) => e.message.startsWith('live change restored')).length).toBe(2);
    } finally {
      await app.close();
      await second.close();
    }

    // The configuration now sets the timeout itself: the file wins; the window change still comes back.
    const third = await componentsFromConfig(configOf(4_000));
    try {
      for (const account of third.accounts) {
        expect(account.exchange.exchange.timeout).toBe(4_000);
        for (const b of account.breakers) expect(b.currentSettings().window).toEqual({ kind: 'count', size: 50 });
      }
      expect(third.components.events!.timeline().some((e) => e.message.startsWith('live change of policies.timeout.ms dropped: the configuration file now sets 4000 (it set 10000'))).toBe(true);
    } finally {
      await third.close();
    }
  }, 60_000);
});
