/**
 * The demo's exchange behind three simulator endpoints (api1..api3) and a failover group: the
 * endpoint scenarios (one down, one slow, one answering 5xx) each eject their endpoint while orders
 * go on reaching the exchange through the others, every scenario is on the timeline, and no client
 * order id is held twice. Real stack (loopback, ccxt.binance, SQLite), on the wall clock: waits are
 * polls bounded by the test timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Demo, DEMO_ENDPOINTS, startDemo } from '../../src/demo/demo.js';
import { demoScenarios } from '../../src/demo/fault-injector.js';

let demo: Demo | undefined;
let dir: string | undefined;
afterEach(async () => {
  await demo?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  demo = undefined;
});

const endpointScenarios = demoScenarios.filter((s) => s.endpoint);

describe('demo mode: the exchange behind three endpoints', () => {
  it('has a scenario per endpoint, and the group on the dashboard', async () => {
    expect(endpointScenarios.map((s) => s.endpoint!.name).sort()).toEqual([...DEMO_ENDPOINTS]);
    dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-endpoints-'));
    const d = (demo = await startDemo({ dataDir: dir, tickMs: 200, faultQuietMs: 0 }));
    expect(d.components.failover?.groups()).toEqual([d.exchange.endpoints]);
    expect(d.endpoints.endpoints.map((e) => e.name)).toEqual([...DEMO_ENDPOINTS]);
    expect(d.exchange.endpoints!.snapshot().endpoints.map((e) => e.name)).toEqual([...DEMO_ENDPOINTS]);
    expect(d.sim.url).toBe(d.endpoints.endpoint('api1').url);
  });

  it.each(endpointScenarios.map((s) => [s.name, s] as const))('%s: the endpoint is ejected, orders keep flowing through the others, and none is placed twice', async (_, scenario) => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-endpoints-'));
    const d = (demo = await startDemo({ dataDir: dir, tickMs: 200, faultQuietMs: 300, scenarios: [{ ...scenario, durationMs: 8_000 }] }));
    const group = d.exchange.endpoints!;
    const name = scenario.endpoint!.name;
    const timeline = () => d.components.events.timeline({ limit: 1_000 }).map((e) => `${e.kind}: ${e.message}`);
    await expect.poll(timeline, { timeout: 15_000, interval: 100 }).toContain(`fault: fault injected: ${scenario.description}`);
    await expect.poll(() => group.history().some((c) => c.kind === 'endpoint' && c.endpoint === name && c.to === 'ejected'), { timeout: 15_000, interval: 100 }).toBe(true);
    // While it is out, orders still reach the exchange through the other two.
    const accepted = d.sim.stats().ordersAccepted;
    await expect.poll(() => d.sim.stats().ordersAccepted, { timeout: 15_000, interval: 100 }).toBeGreaterThan(accepted + 2);
    expect(group.snapshot().endpoints.find((e) => e.name === name)?.state).toBe('ejected');
    await expect.poll(timeline, { timeout: 15_000, interval: 100 }).toContain('fault: fault cleared');
    await d.faults.stop();
    for (const e of d.endpoints.endpoints) expect(e.listening).toBe(true);
    const held = d.sim.engine.allOrdersHeld().map((o) => o.clientOrderId);
    expect(new Set(held).size).toBe(held.length);
  }, 60_000);
});
