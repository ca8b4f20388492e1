/**
 * The configured service operates its accounts' endpoint groups like the demo does: the API drains
 * an endpoint, the drain is kept in its storage and put back when the service starts again on the
 * same data folder; the group's metrics and the failover alert rules are there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { buildApp } from '../../src/server/app.js';
import { componentsFromConfig } from '../../src/server/configured.js';
import { type SimEndpoints, startSimEndpoints } from '../../src/trading/sim/endpoints.js';

let dir: string;
let sim: SimEndpoints;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-configured-failover-'));
  sim = await startSimEndpoints({ names: ['a', 'b'], seed: 5 });
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe('configured service: failover groups', () => {
  it('drains over the API, keeps the drain across a restart, and exports the metrics and alert rules', async () => {
    const [a, b] = sim.endpoints;
    const { config } = loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: { dataDir: join(dir, 'data'), exchange: { id: 'binance', apiKey: 'k', secret: 's', symbols: ['BTC/USDT'], url: a!.url, endpoints: [{ name: 'a', url: a!.url }, { name: 'b', url: b!.url }] } },
    });
    const first = await componentsFromConfig(config);
    try {
      const app = await buildApp(first.components);
      const res = await app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/b/drain', payload: { reason: 'b maintenance', actor: 'alice' } });
      expect(res.statusCode).toBe(200);
      expect(first.components.alerts!.list().map((s) => s.rule.name)).toEqual(expect.arrayContaining(['FailoverPanic', 'FailoverNotPreferred']));
      // With b drained, the account's reads all go to a, and are counted there.
      const calls = async (endpoint: string): Promise<number> => {
        const line = new RegExp(`^bulwark_failover_calls_total\\{group="binance:rest",endpoint="${endpoint}",outcome="success"\\} (\\d+)$`, 'm').exec(await first.components.metrics.text());
        return Number(line?.[1] ?? NaN);
      };
      const [aBefore, bBefore] = [await calls('a'), await calls('b')];
      await first.components.account!.snapshot();
      expect(await calls('a')).toBeGreaterThan(aBefore);
      expect(await calls('b')).toBe(bBefore);
      expect(await first.components.metrics.text()).toContain('bulwark_failover_endpoint_state{group="binance:rest",endpoint="b",state="drained"} 1');
      await app.close();
    } finally {
      await first.close();
    }

    const second = await componentsFromConfig(config);
    try {
      const group = second.components.failover!.groups()[0]!;
      expect(group.manual()).toEqual({ drained: ['b'] });
      expect(second.components.events!.timeline({ limit: 50 }).map((e) => e.message)).toContain('failover routing restored: drained b (set by alice: b maintenance)');
    } finally {
      await second.close();
    }
  }, 30_000);
});
