/**
 * The network-level action over a real fault proxy on loopback: `proxy-toxic` adds its toxic for
 * the step and its handle removes exactly it; an unknown proxy or bad attribute is named. And the
 * `health-check` probe over a real health registry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { type ActivityContext, activityArgs } from '../../../src/chaos/experiments/activities.js';
import { defaultActivityRegistry } from '../../../src/chaos/experiments/default-registry.js';
import type { ChaosTarget } from '../../../src/chaos/experiments/target.js';
import { type FaultProxies, faultProxies } from '../../../src/chaos/proxy/proxies.js';
import { healthRegistry } from '../../../src/health/registry.js';

const registry = defaultActivityRegistry();
const ctx = (target: ChaosTarget): ActivityContext => ({ target, clock: new ManualClock(0), signal: new AbortController().signal });
const start = async (target: ChaosTarget, args: Record<string, unknown>) => {
  const action = registry.action('proxy-toxic')!;
  return action.start(ctx(target), activityArgs(action, args, 'method[0]'));
};

let proxies: FaultProxies | undefined;
afterEach(async () => {
  await proxies?.close();
  proxies = undefined;
});

describe('proxy-toxic', () => {
  it('adds its toxic to the named proxy and removes exactly it on stop', async () => {
    proxies = faultProxies();
    const proxy = await proxies.create({ name: 'postgres', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    proxy.addToxic({ type: 'latency', name: 'kept', attributes: { latencyMs: 5 } });
    const handle = await start({ proxies }, { proxy: 'postgres', name: 'outage', type: 'resetPeer', attributes: { delayMs: 0 } });
    expect(proxy.toxic('outage')).toMatchObject({ type: 'resetPeer', direction: 'downstream', toxicity: 1, attributes: { delayMs: 0 } });
    await handle.stop();
    expect(proxy.toxics().map((t) => t.name)).toEqual(['kept']);
  });

  it('names what is wrong: no proxies, an unknown proxy, an unknown type, a bad attribute', async () => {
    proxies = faultProxies();
    await proxies.create({ name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    await expect(start({}, { proxy: 'redis', type: 'latency' })).rejects.toThrow('the service has no fault proxies');
    await expect(start({ proxies }, { proxy: 'nope', type: 'latency' })).rejects.toThrow('args.proxy: no fault proxy "nope"');
    await expect(start({ proxies }, { proxy: 'redis', type: 'lag' })).rejects.toThrow(/^method\[0\]\.args\.type: /);
    await expect(start({ proxies }, { proxy: 'redis', type: 'latency', attributes: { bytes: 5 } })).rejects.toThrow(/bytes/);
    expect(proxies.get('redis')!.toxics()).toEqual([]);
  });
});

describe('health-check probe', () => {
  it('is true while the named check has one of the statuses; an unknown check is named', async () => {
    const clock = new ManualClock(0);
    const health = healthRegistry({ defaultIntervalMs: 1_000, clock });
    let up = true;
    health.register({ name: 'storage', check: () => up });
    const measure = (args: Record<string, unknown>) => {
      const probe = registry.probe('health-check')!;
      return probe.measure(ctx({ health }), activityArgs(probe, args, 'probe'));
    };
    expect(await measure({ check: 'storage' })).toBe(true);
    up = false;
    await clock.advance(1_000); // the cached result is stale: the next report runs the check again
    expect(await measure({ check: 'storage' })).toBe(false);
    expect(await measure({ check: 'storage', statuses: ['down'] })).toBe(true);
    await expect(measure({ check: 'redis' })).rejects.toThrow('no health check "redis"');
  });
});
