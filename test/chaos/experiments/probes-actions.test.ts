/**
 * The built-in probes over real parts (a prom-client registry, a trading gate, the simulator's
 * router) and the exchange actions: each sets its fault on the simulator and reverts exactly it.
 */
import { Histogram, Registry, Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { defaultActivityRegistry } from '../../../src/chaos/experiments/default-registry.js';
import type { ActivityContext } from '../../../src/chaos/experiments/activities.js';
import { activityArgs } from '../../../src/chaos/experiments/activities.js';
import type { ChaosTarget } from '../../../src/chaos/experiments/target.js';
import { readMetric } from '../../../src/chaos/experiments/metric-reader.js';
import { createSimRouter } from '../../../src/trading/sim/router.js';
import { tradingGate } from '../../../src/trading/gate.js';

const registry = defaultActivityRegistry();
const ctx = (target: ChaosTarget): ActivityContext => ({ target, clock: new ManualClock(0), signal: new AbortController().signal });
const measure = async (name: string, target: ChaosTarget, args: Record<string, unknown> = {}) => {
  const probe = registry.probe(name)!;
  return probe.measure(ctx(target), activityArgs(probe, args, name));
};

describe('metric reader', () => {
  it('reads a p99 from histogram buckets, a mean, a plain value and a share', async () => {
    const reg = new Registry();
    const h = new Histogram({ name: 'call_seconds', help: 'h', labelNames: ['name'], buckets: [0.1, 0.5, 1], registers: [reg] });
    for (let i = 0; i < 98; i++) h.observe({ name: 'db' }, 0.05);
    h.observe({ name: 'db' }, 0.8);
    h.observe({ name: 'db' }, 0.9);
    h.observe({ name: 'other' }, 5);
    // 100 db observations: rank 99 lies in (0.5, 1] holding 2 -> 0.5 + 0.5 * (99 - 98) / 2.
    expect(await readMetric(reg, { name: 'call_seconds', labels: { name: 'db' }, stat: 'quantile', quantile: 0.99 })).toBeCloseTo(0.75);
    expect(await readMetric(reg, { name: 'call_seconds', labels: { name: 'db' }, stat: 'mean' })).toBeCloseTo((98 * 0.05 + 1.7) / 100);
    const c = new Counter({ name: 'calls_total', help: 'c', labelNames: ['kind'], registers: [reg] });
    c.inc({ kind: 'ok' }, 9);
    c.inc({ kind: 'failed' }, 1);
    expect(await readMetric(reg, { name: 'calls_total' })).toBe(10);
    expect(await readMetric(reg, { name: 'calls_total', labels: { kind: 'failed' }, stat: 'share' })).toBeCloseTo(0.1);
    await expect(readMetric(reg, { name: 'nope' })).rejects.toThrow('metric nope is not registered');
  });
});

describe('built-in probes', () => {
  it('gate-mode is true unless halted (by default); a missing part is named', async () => {
    const gate = tradingGate({ clock: new ManualClock(0) });
    expect(await measure('gate-mode', { gate })).toBe(true);
    gate.kill('test');
    expect(await measure('gate-mode', { gate })).toBe(false);
    expect(await measure('gate-mode', { gate }, { modes: ['halted'] })).toBe(true);
    await expect(measure('gate-mode', {})).rejects.toThrow('probe gate-mode: the service has no gate configured');
  });

  it('duplicate-orders counts client order ids the exchange holds twice; unresolved-orders counts UNKNOWN intents', async () => {
    const held = [{ clientOrderId: 'a' }, { clientOrderId: 'b' }, { clientOrderId: 'a' }];
    const exchange = { faults: () => ({}) as never, setFaults: () => ({}) as never, heldOrders: () => held };
    expect(await measure('duplicate-orders', { exchange })).toBe(1);
    const orders = { counts: () => ({ UNKNOWN: 2, SENT: 1, FILLED: 5 }) };
    expect(await measure('unresolved-orders', { orders })).toBe(2);
    expect(await measure('unresolved-orders', { orders }, { states: ['UNKNOWN', 'SENT'] })).toBe(3);
  });
});

describe('exchange actions', () => {
  const start = async (name: string, target: ChaosTarget, args: Record<string, unknown> = {}) => {
    const action = registry.action(name)!;
    return action.start(ctx(target), activityArgs(action, args, name));
  };
  const simTarget = () => {
    const router = createSimRouter({ clock: new ManualClock(1_000_000) });
    const exchange = { faults: router.faults, setFaults: router.setFaults, heldOrders: () => router.engine.allOrdersHeld() };
    return { router, target: { exchange } satisfies ChaosTarget };
  };

  it.each([
    ['exchange-maintenance', {}, { maintenance: true }],
    ['exchange-latency', { latencyMs: 300 }, { latencyMs: 300 }],
    ['exchange-lost-replies', { orders: 2 }, { dropReplyAfterAccept: 2 }],
    ['exchange-lost-requests', { orders: 1 }, { loseRequests: 1 }],
    ['exchange-visibility-delay', { delayMs: 700 }, { visibilityDelayMs: 700 }],
    ['exchange-clock-skew', { skewMs: -2_000 }, { clockSkewMs: -2_000 }],
    ['exchange-rate-limit', { times: 4 }, { failures: [expect.objectContaining({ status: 429, times: 4 })] }],
    ['exchange-ban', { retryAfterSec: 3 }, { failures: [expect.objectContaining({ status: 418, retryAfterSec: 3 })] }],
    ['exchange-refused-orders', { orders: 2 }, { failures: [expect.objectContaining({ status: 400, code: -2010, times: 2 })] }],
  ])('%s sets its fault on the simulator and stop() reverts it', async (name, args, expected) => {
    const { router, target } = simTarget();
    const before = structuredClone(router.faults());
    const handle = await start(name, target, args);
    expect(router.faults()).toMatchObject(expected);
    await handle.stop();
    expect(router.faults()).toEqual(before);
  });

  it('a clock skew makes the exchange refuse requests signed by our clock (-1021)', async () => {
    const { router, target } = simTarget();
    await start('exchange-clock-skew', target, { skewMs: -2_000 });
    const reply = await router.handle({ method: 'GET', url: `/api/v3/account?timestamp=${1_000_000}`, body: '' });
    expect(reply).toMatchObject({ kind: 'reply', status: 400 });
    expect(reply.kind === 'reply' && JSON.parse(reply.body)).toMatchObject({ code: -1021 });
  });

  it('an action with bad args is refused naming the key; an outage needs a server', async () => {
    const { target } = simTarget();
    await expect(start('exchange-latency', target, { latencyMs: -1 })).rejects.toThrow(/^exchange-latency\.args\.latencyMs: /);
    await expect(start('exchange-outage', target)).rejects.toThrow('action exchange-outage: the exchange cannot be taken down (it is not served over HTTP)');
  });
});

describe('process actions', () => {
  it('process-memory-pressure holds memory while on and lets it go when stopped', async () => {
    const action = registry.action('process-memory-pressure')!;
    const handle = (await action.start(ctx({}), activityArgs(action, { mb: 32 }, 'm'))) as unknown as { fault: { heldBytes: number; state: string }; stop(): Promise<void> };
    expect(handle.fault).toMatchObject({ heldBytes: 32 * 1024 * 1024, state: 'running' });
    await handle.stop();
    expect(handle.fault).toMatchObject({ heldBytes: 0, state: 'ended' });
  });
});
