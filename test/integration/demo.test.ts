/**
 * The demo's story on the real stack (simulator over loopback, ccxt.binance, SQLite): injected
 * maintenance opens a breaker and moves the trading gate to reducing, and both recover once the
 * fault clears; refused orders land in the dead-letter queue and replay. Waits are on the gate's
 * events and on the queue, bounded by the test timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { demoScenarios } from '../../src/demo/fault-injector.js';
import type { GateChange } from '../../src/trading/gate.js';

let demo: Demo | undefined;
let dir: string | undefined;
afterEach(async () => {
  await demo?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  demo = undefined;
});

const scenario = (name: string) => demoScenarios.find((s) => s.name === name)!;

function nextChange(d: Demo, to: string): Promise<GateChange> {
  return new Promise((resolve) => {
    const off = d.gate.on('stateChange', (change) => {
      if (change.to === to) {
        off();
        resolve(change);
      }
    });
  });
}

describe('demo mode', () => {
  it('maintenance opens the exchange breaker, the gate goes to reducing, and both recover', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-'));
    demo = await startDemo({ dataDir: dir, tickMs: 200, faultQuietMs: 500, scenarios: [{ ...scenario('maintenance'), durationMs: 3_000 }] });
    const reducing = await nextChange(demo, 'reducing');
    expect(reducing.reason).toMatch(/^breaker:binance:(all|orders): breaker binance:(all|orders) is open$/);
    await demo.faults.stop();
    const active = await nextChange(demo, 'active');
    expect(active.reason).toMatch(/closed/);
    const timeline = demo.components.events.timeline({ limit: 200 }).map((e) => `${e.kind}: ${e.message}`);
    expect(timeline).toContain('fault: fault injected: every request answers 503');
    expect(demo.exchange.breakers!.exchange.state).toBe('closed');
    expect(demo.exchange.breakers!.groups.orders.state).toBe('closed');
  }, 40_000);

  it.each(['banned', 'exchange restart'])('after %s the gate is active, the breakers closed and new orders reach the exchange', async (name) => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-'));
    const d = (demo = await startDemo({ dataDir: dir, tickMs: 200, faultQuietMs: 500, scenarios: [scenario(name)] }));
    const timeline = () => d.components.events.timeline({ limit: 500 }).map((e) => `${e.kind}: ${e.message}`);
    await expect.poll(timeline, { timeout: 20_000, interval: 100 }).toContain('fault: fault cleared');
    await d.faults.stop();
    const accepted = d.sim.stats().ordersAccepted;
    await expect.poll(() => d.sim.stats().ordersAccepted, { timeout: 20_000, interval: 100 }).toBeGreaterThan(accepted + 2);
    await expect.poll(() => d.gate.mode, { timeout: 20_000, interval: 100 }).toBe('active');
    expect(d.exchange.breakers!.exchange.state).toBe('closed');
    expect(d.exchange.breakers!.groups.orders.state).toBe('closed');
    if (name === 'banned') expect(timeline().some((line) => /throttled by the exchange for \d+ ms \(ban\)/.test(line))).toBe(true);
    else {
      // The outage did bite: connections refused opened a breaker, which moved the gate.
      expect(d.gate.history().some((c) => c.to !== 'active')).toBe(true);
      expect(d.sim.listening).toBe(true);
    }
  }, 60_000);

  it('orders the exchange refuses go to the dead-letter queue, and replay places them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-'));
    demo = await startDemo({ dataDir: dir, tickMs: 200, faultQuietMs: 200, scenarios: [scenario('rejected orders')] });
    const queue = demo.components.deadLetters!.queue;
    await expect.poll(() => queue.count({ status: 'pending' }), { timeout: 15_000, interval: 100 }).toBe(2);
    const [letter] = await queue.list({ status: 'pending' });
    expect(letter).toMatchObject({ operation: 'createOrder', error: expect.stringMatching(/insufficient balance/) });
    await demo.faults.stop();
    const result = await queue.replay({ status: 'pending' }, demo.components.deadLetters!.replay);
    expect(result.failed).toEqual([]);
    expect(result.replayed).toHaveLength(2);
  }, 40_000);
});
