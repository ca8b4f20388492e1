/**
 * Every shipped experiment, with its method shortened, against the demo in this process (the
 * simulator over loopback, ccxt.binance, the full order path, SQLite): each passes on the current
 * code. A weakened configuration — no breakers on the order path — fails the maintenance window.
 * The demo runs on the system clock; the runner waits on it like the demo's own tests do.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Demo, type DemoOptions, startDemo } from '../../src/demo/demo.js';
import { defaultActivityRegistry } from '../../src/chaos/experiments/default-registry.js';
import type { Experiment } from '../../src/chaos/experiments/experiment-schema.js';
import { predefinedExperiment, predefinedExperimentNames } from '../../src/chaos/experiments/predefined.js';
import { runExperiment } from '../../src/chaos/experiments/runner.js';
import { type ChaosTarget, simExchange } from '../../src/chaos/experiments/target.js';
import { chaosRunStore } from '../../src/chaos/experiments/run-store.js';

let demo: Demo | undefined;
let dir: string | undefined;
afterEach(async () => {
  await demo?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  demo = undefined;
  dir = undefined;
});

const SHORT_MS = 4_000;

/** The method shortened to at most SHORT_MS per step; the recovery deadlines stay as written. */
const shortened = (e: Experiment): Experiment => ({ ...e, method: e.method.map((s) => ({ ...s, durationMs: Math.min(s.durationMs, SHORT_MS) })) });

async function startTarget(options: DemoOptions = {}): Promise<{ demo: Demo; target: ChaosTarget }> {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-chaos-'));
  const d = (demo = await startDemo({ dataDir: dir, tickMs: 200, faultQuietMs: 0, ...options }));
  const c = d.components;
  return { demo: d, target: { health: c.health, gate: d.gate, registry: c.metrics.registry, orders: c.orders, exchange: simExchange(d.sim) } };
}

/** The exchange-level ones; the infrastructure and process ones run in chaos-infrastructure-experiments.test.ts. */
const exchangeExperiments = (): string[] => predefinedExperimentNames().filter((name) => predefinedExperiment(name)!.tags.includes('exchange'));

describe('predefined experiments against the demo', () => {
  it('ships the five exchange-level experiments, each stating its hypothesis', () => {
    expect(exchangeExperiments()).toEqual(['exchange-418-ban', 'exchange-429-storm', 'exchange-clock-skew', 'exchange-maintenance', 'lost-order-replies']);
    for (const name of exchangeExperiments()) expect(predefinedExperiment(name)!.steadyStateHypothesis.title).toMatch(/no order is placed twice/i);
  });

  it('ships the infrastructure and process experiments too, each stating its hypothesis', () => {
    const others = predefinedExperimentNames().filter((name) => !exchangeExperiments().includes(name));
    expect(others).toEqual(['memory-pressure', 'postgres-outage', 'redis-outage', 'slow-redis']);
    for (const name of others) expect(predefinedExperiment(name)!.steadyStateHypothesis.title).toMatch(/\b(up|computed)\b/);
  });

  it.each(exchangeExperiments())('%s passes on the current code', async (name) => {
    const { demo: d, target } = await startTarget();
    const store = await chaosRunStore(d.storage);
    const journal = await runExperiment(shortened(predefinedExperiment(name)!), { registry: defaultActivityRegistry(), target, sink: store });
    const failed = journal.probes.filter((p) => p.counted && !p.ok).map((p) => `${p.key}=${String(p.value ?? p.error)}`);
    expect({ status: journal.status, reason: journal.reason, failed }).toEqual({ status: 'passed', reason: undefined, failed: [] });
    expect(journal.score).toBe(100);
    // The fault was reverted and the rollback ran.
    expect(d.sim.faults()).toMatchObject({ maintenance: false, failures: [], dropReplyAfterAccept: 0, clockSkewMs: 0 });
    expect(journal.rollbacks).toMatchObject([{ action: 'exchange-clear-faults', status: 'reverted' }]);
    expect((await store.list())[0]).toMatchObject({ id: journal.id, status: 'passed', score: 100 });
    // The fault did bite: its mark is on the demo's timeline or the gate's history.
    const timeline = d.components.events.timeline({ limit: 1_000 }).map((e) => `${e.kind}: ${e.message}`);
    const evidence: Record<string, () => Promise<boolean> | boolean> = {
      'exchange-418-ban': () => timeline.some((l) => /throttled by the exchange for \d+ ms \(ban\)/.test(l)),
      'exchange-429-storm': () => timeline.some((l) => /throttled by the exchange for \d+ ms$/.test(l)),
      'exchange-maintenance': () => d.gate.history().some((c) => c.to !== 'active'),
      'lost-order-replies': () => timeline.some((l) => l.includes('order outcome unknown')),
      // Requests refused with -1021 open the orders breaker, which moves the gate.
      'exchange-clock-skew': () => d.gate.history().some((c) => c.reason.startsWith('breaker:binance:')),
    };
    expect(await evidence[name]!()).toBe(true);
  }, 90_000);

  it('a weakened configuration (no breakers on the order path) fails the maintenance window', async () => {
    const { target } = await startTarget({ exchange: { breaker: false } });
    const journal = await runExperiment(shortened(predefinedExperiment('exchange-maintenance')!), { registry: defaultActivityRegistry(), target });
    expect(journal.status).toBe('failed');
    expect(journal.probes.find((p) => p.key === 'method/0/gate stopped new orders')).toMatchObject({ ok: false, value: false });
    expect(journal.score).toBeLessThan(100);
  }, 90_000);
});
