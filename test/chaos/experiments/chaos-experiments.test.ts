/**
 * The service's experiments behind their guardrails: refused unless chaos is on, unsafe ones
 * refused against live trading, and every run written to the (real, SQLite) audit log as it
 * starts and ends, tagged resilience-testing.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ChaosExperiments } from '../../../src/chaos/experiments/chaos-experiments.js';
import { defaultActivityRegistry } from '../../../src/chaos/experiments/default-registry.js';
import { checkExperiment } from '../../../src/chaos/experiments/experiment-file.js';
import { ChaosRefusedError } from '../../../src/chaos/experiments/guardrails.js';
import { chaosRunStore } from '../../../src/chaos/experiments/run-store.js';
import { auditLog } from '../../../src/security/audit-log.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { tradingGate } from '../../../src/trading/gate.js';
import { testKey } from '../../security/audit-tampering.js';

const experiment = (productionSafe: boolean) =>
  checkExperiment({
    title: 'gate holds',
    productionSafe,
    steadyStateHypothesis: { title: 'gate not halted', probes: [{ name: 'not halted', probe: 'gate-mode', tolerance: { equals: true } }] },
    method: [{ action: 'exchange-clear-faults', durationMs: 1_000 }],
  });

async function setup(guard: { chaosEnabled: boolean; liveTrading: boolean }) {
  const clock = new ManualClock(1_000);
  const storage = await sqliteStorage({ path: ':memory:', clock });
  const audit = await auditLog(storage, { key: testKey(), clock });
  const router = { faults: () => ({}) as never, setFaults: () => ({}) as never, heldOrders: () => [] };
  const experiments = new ChaosExperiments({ registry: defaultActivityRegistry(), target: { gate: tradingGate({ clock }), exchange: router }, store: await chaosRunStore(storage), guardrails: () => guard, audit, clock });
  return { clock, storage, audit, experiments };
}

describe('chaos experiments guardrails', () => {
  it('refuses every experiment while features.chaos is off', async () => {
    const { experiments, storage } = await setup({ chaosEnabled: false, liveTrading: false });
    expect(() => experiments.start(experiment(true))).toThrow(ChaosRefusedError);
    expect(() => experiments.start(experiment(true))).toThrow('chaos experiments are off: set features.chaos to true to run them');
    expect(await experiments.list()).toEqual([]);
    await storage.close();
  });

  it('refuses an experiment not marked productionSafe against live trading, and runs one that is', async () => {
    const { experiments, clock, audit, storage } = await setup({ chaosEnabled: true, liveTrading: true });
    expect(() => experiments.start(experiment(false))).toThrow(expect.objectContaining({ reason: 'not-production-safe' }));
    const { journal, done } = experiments.start(experiment(true), 'alice');
    await clock.advance(1_000);
    expect((await done).status).toBe('passed');
    const entries = await audit.list({ order: 'asc' });
    expect(entries.map((e) => ({ action: e.action, actor: e.actor, tags: e.tags, after: e.after }))).toEqual([
      { action: 'chaos.run', actor: 'alice', tags: ['resilience-testing'], after: { id: journal.id, status: 'running', productionSafe: true } },
      { action: 'chaos.run', actor: 'alice', tags: ['resilience-testing'], after: { id: journal.id, status: 'passed', reason: null, score: 100 } },
    ]);
    await audit.close();
    await storage.close();
  });
});

describe('chaos experiments when the storage goes away', () => {
  it('a run whose journal cannot be saved ends errored (done never rejects), and the next run may start', async () => {
    const { experiments, clock, storage, audit } = await setup({ chaosEnabled: true, liveTrading: false });
    const first = experiments.start(experiment(true));
    await clock.advance(0);
    await audit.close();
    await storage.close();
    await clock.advance(1_000);
    const journal = await first.done;
    expect(journal.status).toBe('errored');
    expect(journal.reason).toMatch(/^error: journal not saved: /);
    expect(() => experiments.start(experiment(true))).not.toThrow();
  });
});
