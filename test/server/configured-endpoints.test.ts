/**
 * A configured account that lists its REST endpoints (`exchange.endpoints`): the service's exchange
 * routes through a failover group of them, shown as the service's failover component, and
 * `bulwark config check`'s probe calls each one, naming the one that does not answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { componentsFromConfig } from '../../src/server/configured.js';
import { endpointSpecsOf, probeExchange } from '../../src/server/exchange-account.js';
import { type SimEndpoints, startSimEndpoints } from '../../src/trading/sim/endpoints.js';

let dir: string;
let sim: SimEndpoints;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-configured-endpoints-'));
  sim = await startSimEndpoints({ names: ['a', 'b'], seed: 4 });
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const configWith = (exchange: Record<string, unknown>) => loadConfig({ environment: {}, readFile: () => undefined, overrides: { dataDir: join(dir, 'data'), exchange } }).config;

describe('exchange.endpoints', () => {
  it('become failover endpoint specs: named by their host unless named, with their priority and weight', () => {
    const config = configWith({ id: 'binance', endpoints: ['https://api1.binance.com', { name: 'gcp', url: 'https://api-gcp.binance.com', priority: 1, weight: 2 }] });
    expect(endpointSpecsOf(config)).toEqual([
      { name: 'api1.binance.com', target: 'https://api1.binance.com' },
      { name: 'gcp', target: 'https://api-gcp.binance.com', priority: 1, weight: 2 },
    ]);
    expect(endpointSpecsOf(configWith({ id: 'binance' }))).toBeUndefined();
  });

  it("route the service's exchange through a failover group, shown as its failover component; a dead endpoint is routed around", async () => {
    const [a, b] = sim.endpoints;
    // url: every API of the simulated exchange (spot and futures) on a's origin; endpoints: the hosts that origin's requests are spread over.
    const config = configWith({ id: 'binance', apiKey: 'k', secret: 's', symbols: ['BTC/USDT'], url: a!.url, endpoints: [a!.url, { name: 'b', url: b!.url }], endpointStrategy: 'roundRobin' });
    const { components, close } = await componentsFromConfig(config);
    try {
      const groups = components.failover?.groups() ?? [];
      expect(groups).toHaveLength(1);
      const group = groups[0]!;
      expect(group).toMatchObject({ name: 'binance:rest', strategy: 'roundRobin' });
      expect(group.snapshot().endpoints.map((e) => e.name)).toEqual([new URL(a!.url).host, 'b']);
      // The markets were loaded through the endpoints.
      expect(a!.stats().requests + b!.stats().requests).toBeGreaterThan(0);
      await a!.stopListening();
      b!.resetStats();
      for (let i = 0; i < 4; i++) expect((await components.account!.snapshot()).exchange).toBe('binance');
      expect(b!.stats().requests).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it('are each probed by the configuration check, which names the one that does not answer', async () => {
    const [a, b] = sim.endpoints;
    const config = configWith({ id: 'binance', endpoints: [{ name: 'a', url: a!.url }, { name: 'b', url: b!.url }] });
    expect(await probeExchange(config)).toMatch(/^binance at a answers \(server time .*\); binance at b answers/);
    await b!.stopListening();
    await expect(probeExchange(config)).rejects.toThrow(/^endpoints\.1 \(b\): .*ECONNREFUSED/);
  });
});
