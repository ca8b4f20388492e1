/**
 * /api/chaos/experiments and /api/chaos/runs over a real app, a ManualClock, SQLite and the
 * simulator's router as the exchange: a dry run, a run followed live and aborted (its fault
 * reverted), the guardrails' refusals, and no routes at all when chaos is off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ChaosExperiments } from '../../../src/chaos/experiments/chaos-experiments.js';
import { defaultActivityRegistry } from '../../../src/chaos/experiments/default-registry.js';
import { chaosRunStore } from '../../../src/chaos/experiments/run-store.js';
import { simExchange } from '../../../src/chaos/experiments/target.js';
import { type OpsApp, buildApp } from '../../../src/server/app.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { liveEvents } from '../../../src/server/live-events.js';
import { type SqliteStorage, sqliteStorage } from '../../../src/storage/sqlite.js';
import { createSimRouter } from '../../../src/trading/sim/router.js';
import { tradingGate } from '../../../src/trading/gate.js';

let app: OpsApp | undefined;
let storage: SqliteStorage | undefined;
afterEach(async () => {
  await app?.close();
  await storage?.close();
  app = undefined;
});

const yaml = `
title: maintenance
steadyStateHypothesis:
  title: not halted
  probes: [{ name: not halted, probe: gate-mode, tolerance: { equals: true } }]
method:
  - { action: exchange-maintenance, durationMs: 60000 }
rollbacks:
  - { action: exchange-clear-faults }
`;

async function setup(guard = { chaosEnabled: true, liveTrading: false }, withChaos = true) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  storage = await sqliteStorage({ path: ':memory:', clock });
  const router = createSimRouter({ clock });
  const gate = tradingGate({ clock });
  const experiments = new ChaosExperiments({
    registry: defaultActivityRegistry(),
    target: { gate, exchange: simExchange({ faults: router.faults, setFaults: router.setFaults, engine: router.engine }) },
    store: await chaosRunStore(storage),
    guardrails: () => guard,
    clock,
  });
  app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), events: liveEvents({ clock }), gate, clock, ...(withChaos ? { chaos: { experiments } } : {}) }, { webRoot: '/nonexistent' });
  return { clock, router, experiments, app };
}

describe('chaos experiment routes', () => {
  it('a dry run returns the plan and changes nothing', async () => {
    const { app, router } = await setup();
    const res = await app.inject({ method: 'POST', url: '/api/chaos/experiments', payload: { experiment: yaml, dryRun: true } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ title: 'maintenance', durationMs: 60_000, problems: [], steps: expect.arrayContaining(['action exchange-maintenance for 60000 ms, then reverted']) });
    expect(router.faults().maintenance).toBe(false);
  });

  it('runs an experiment, shows it live, aborts it and reverts its fault', async () => {
    const { app, router, clock } = await setup();
    const started = await app.inject({ method: 'POST', url: '/api/chaos/experiments', payload: { experiment: yaml } });
    expect(started.statusCode).toBe(202);
    const { id } = started.json<{ id: string }>();
    await clock.advance(10_000);
    expect(router.faults().maintenance).toBe(true);
    const live = (await app.inject({ method: 'GET', url: `/api/chaos/runs/${id}` })).json();
    expect(live).toMatchObject({ id, status: 'running', currentStep: 'exchange-maintenance', timeLeftMs: 50_000, probes: [{ name: 'not halted', ok: true, value: true }] });
    const busy = await app.inject({ method: 'POST', url: '/api/chaos/experiments', payload: { name: 'exchange-maintenance' } });
    expect(busy.statusCode).toBe(409);
    // A reason, when given, says something; then the run stops.
    expect((await app.inject({ method: 'POST', url: `/api/chaos/runs/${id}/abort`, payload: { reason: '  ' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: `/api/chaos/runs/${id}/abort` })).statusCode).toBe(202);
    await expect.poll(async () => (await app.inject({ method: 'GET', url: `/api/chaos/runs/${id}` })).json<{ status: string }>().status).toBe('aborted');
    expect(router.faults().maintenance).toBe(false);
    const runs = (await app.inject({ method: 'GET', url: '/api/chaos/runs' })).json();
    expect(runs).toMatchObject([{ id, status: 'aborted', reason: 'aborted-by-operator' }]);
    const journal = (await app.inject({ method: 'GET', url: `/api/chaos/runs/${id}/journal` })).json();
    expect(journal).toMatchObject({ id, steps: [{ status: 'reverted' }], rollbacks: [{ action: 'exchange-clear-faults', status: 'reverted' }] });
  });

  it('names the key of a bad file, an unknown shipped name, and refuses what the guardrails forbid', async () => {
    const { app } = await setup({ chaosEnabled: true, liveTrading: true });
    const bad = await app.inject({ method: 'POST', url: '/api/chaos/experiments', payload: { experiment: yaml.replace('durationMs: 60000', 'durationMs: -5') } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'body.experiment.method.0.durationMs' }] });
    expect((await app.inject({ method: 'POST', url: '/api/chaos/experiments', payload: { name: 'nope' } })).statusCode).toBe(404);
    const unsafe = await app.inject({ method: 'POST', url: '/api/chaos/experiments', payload: { experiment: yaml } });
    expect(unsafe.statusCode).toBe(409);
    expect(unsafe.json().detail).toBe('experiment "maintenance" is not marked productionSafe and features.liveTrading is on');
    const shipped = (await app.inject({ method: 'GET', url: '/api/chaos/experiments' })).json<Array<{ name: string }>>();
    expect(shipped.map((e) => e.name)).toContain('exchange-maintenance');
  });

  it('without chaos (features.chaos off) every experiment route answers 404 "chaos is off"', async () => {
    const { app } = await setup(undefined, false);
    const runs = await app.inject({ method: 'GET', url: '/api/chaos/runs' });
    expect(runs.statusCode).toBe(404);
    expect(runs.json().detail).toBe('chaos is off: set features.chaos');
    expect((await app.inject({ method: 'POST', url: '/api/chaos/experiments', payload: { name: 'exchange-maintenance' } })).statusCode).toBe(404);
  });
});
