/**
 * The runner on a ManualClock with actions and probes over plain variables: what runs when, the
 * verdicts (passed, failed, aborted, errored), rollbacks after every one of them, the score, and
 * the journal as the SQLite run store keeps it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ActivityRegistry } from '../../../src/chaos/experiments/activities.js';
import { checkExperiment } from '../../../src/chaos/experiments/experiment-file.js';
import type { ExperimentInput } from '../../../src/chaos/experiments/experiment-schema.js';
import { ExperimentRun, runExperiment } from '../../../src/chaos/experiments/runner.js';
import { chaosRunStore } from '../../../src/chaos/experiments/run-store.js';
import { type SqliteStorage, sqliteStorage } from '../../../src/storage/sqlite.js';

interface World {
  faulty: boolean;
  /** Value of the `level` probe. */
  level: number;
  log: string[];
}

function setup(world: World): ActivityRegistry {
  const registry = new ActivityRegistry();
  registry.addAction({
    name: 'break',
    description: 'sets faulty',
    start: ({ clock }) => {
      world.faulty = true;
      world.log.push(`start@${clock.now()}`);
      return {
        stop: () => {
          world.faulty = false;
          world.log.push(`stop@${clock.now()}`);
        },
      };
    },
  });
  registry.addAction({ name: 'explode', description: 'cannot start', start: () => Promise.reject(new Error('no such exchange')) });
  registry.addAction({ name: 'restore', description: 'a rollback', start: ({ clock }) => (world.log.push(`rollback@${clock.now()}`), { stop: () => undefined }) });
  registry.addProbe({ name: 'level', description: 'the level', measure: () => world.level });
  registry.addProbe({ name: 'faulty', description: 'whether faulty', measure: () => world.faulty });
  return registry;
}

const base = (over: Partial<ExperimentInput> = {}) =>
  checkExperiment({
    title: 'level holds',
    steadyStateHypothesis: { title: 'the level stays at least 50', probes: [{ name: 'level ok', probe: 'level', tolerance: { atLeast: 50 } }] },
    method: [{ action: 'break', durationMs: 10_000, probes: [{ name: 'level during', probe: 'level', tolerance: { atLeast: 50 }, mode: 'continuous', intervalMs: 2_000 }] }],
    rollbacks: [{ action: 'restore' }],
    ...over,
  });

let storage: SqliteStorage | undefined;
afterEach(async () => {
  await storage?.close();
  storage = undefined;
});

/** Runs to the end, moving the clock 1 s at a time; `each(t)` may change the world at each second. */
async function drive(clock: ManualClock, run: ExperimentRun, each: (t: number) => void = () => undefined) {
  const done = run.run();
  let finished = false;
  void done.then(() => (finished = true));
  for (let t = 0; t < 120 && !finished; t++) {
    each(clock.now());
    await clock.advance(1_000);
  }
  return done;
}

describe('experiment runner', () => {
  it('passes when every probe holds: the action is on for its duration, then reverted, then the rollbacks run; score 100', async () => {
    const clock = new ManualClock(0);
    const world: World = { faulty: false, level: 80, log: [] };
    storage = await sqliteStorage({ path: ':memory:', clock });
    const store = await chaosRunStore(storage);
    const run = new ExperimentRun(base(), { registry: setup(world), target: {}, clock, sink: store, newId: () => 'run-1', actor: 'alice' });
    const journal = await drive(clock, run);
    expect(journal.status).toBe('passed');
    expect(journal.score).toBe(100);
    expect(world.log).toEqual(['start@0', 'stop@10000', 'rollback@10000']);
    // Continuous every 2 s while the action is on (the one due as it ends is left to `end` probes), plus the hypothesis before and after.
    expect(journal.probes.filter((p) => p.key === 'method/0/level during').map((p) => p.at)).toEqual([2_000, 4_000, 6_000, 8_000]);
    expect(journal.probes.filter((p) => p.key === 'hypothesis/level ok').map((p) => p.phase)).toEqual(['before', 'after']);
    expect(journal.steps).toMatchObject([{ name: 'break', status: 'reverted', startedAt: 0, endedAt: 10_000 }]);
    expect(journal.rollbacks).toMatchObject([{ action: 'restore', status: 'reverted' }]);
    expect(await store.get('run-1')).toEqual(journal);
    expect(await store.list()).toEqual([{ id: 'run-1', title: 'level holds', actor: 'alice', status: 'passed', reason: null, score: 100, startedAt: 0, endedAt: 10_000 }]);
  });

  it('fails when a continuous probe leaves its tolerance, and scores the share of passed evaluations by weight', async () => {
    const clock = new ManualClock(0);
    const world: World = { faulty: false, level: 80, log: [] };
    const run = new ExperimentRun(base(), { registry: setup(world), target: {}, clock });
    // The level dips below 50 between 3 s and 7 s: the measurements at 4 s and 6 s fail.
    const journal = await drive(clock, run, (t) => (world.level = t >= 3_000 && t < 7_000 ? 10 : 80));
    expect(journal.status).toBe('failed');
    expect(journal.reason).toBe('probe-out-of-tolerance');
    expect(journal.probes.filter((p) => p.key === 'method/0/level during').map((p) => p.ok)).toEqual([true, false, false, true]);
    // hypothesis 2/2 (weight 1) and the continuous probe 2/4 (weight 1): (1 + 0.5) / 2.
    expect(journal.score).toBe(75);
    expect(world.log).toContain('rollback@10000');
  });

  it('an abort condition beyond its limit stops the action at once and rolls back: aborted', async () => {
    const clock = new ManualClock(0);
    const world: World = { faulty: false, level: 80, log: [] };
    const experiment = base({ abortConditions: [{ name: 'level floor', probe: 'level', limit: { atLeast: 20 }, intervalMs: 1_000 }] });
    const run = new ExperimentRun(experiment, { registry: setup(world), target: {}, clock });
    const journal = await drive(clock, run, (t) => (world.level = t >= 4_000 ? 5 : 80));
    expect(journal.status).toBe('aborted');
    expect(journal.reason).toBe('abort-condition: level floor');
    // Breached at the check at 5 s: reverted then, not at 10 s.
    expect(world.log).toEqual(['start@0', 'stop@5000', 'rollback@5000']);
    expect(world.faulty).toBe(false);
    expect(journal.steps[0]).toMatchObject({ status: 'reverted', endedAt: 5_000 });
  });

  it('abort() stops a run from outside: the action is reverted and the rollbacks run', async () => {
    const clock = new ManualClock(0);
    const world: World = { faulty: false, level: 80, log: [] };
    const run = new ExperimentRun(base(), { registry: setup(world), target: {}, clock });
    const done = run.run();
    await clock.advance(3_000);
    expect(run.journal).toMatchObject({ status: 'running', currentStep: 'break', expectedEndAt: 10_000 });
    run.abort();
    const journal = await done;
    expect(journal).toMatchObject({ status: 'aborted', reason: 'aborted-by-operator' });
    expect(world.log).toEqual(['start@0', 'stop@3000', 'rollback@3000']);
  });

  it('an action that cannot start errors the run, and the rollbacks still run', async () => {
    const clock = new ManualClock(0);
    const world: World = { faulty: false, level: 80, log: [] };
    const journal = await runExperiment(base({ method: [{ action: 'explode', durationMs: 1_000 }] }), { registry: setup(world), target: {}, clock });
    expect(journal.status).toBe('errored');
    expect(journal.reason).toBe('error: no such exchange');
    expect(journal.steps[0]).toMatchObject({ status: 'failed', error: 'no such exchange' });
    expect(world.log).toEqual(['rollback@0']);
  });

  it('a steady state that does not hold before skips the method: failed, and the unrun probes score 0', async () => {
    const clock = new ManualClock(0);
    const world: World = { faulty: false, level: 10, log: [] };
    const journal = await runExperiment(base(), { registry: setup(world), target: {}, clock });
    expect(journal).toMatchObject({ status: 'failed', reason: 'steady-state-not-met-before', score: 0 });
    expect(world.log).toEqual(['rollback@0']);
  });

  it('a hypothesis probe with withinMs waits for recovery after the method, and fails when it does not come in time', async () => {
    const recovers = async (at: number) => {
      const clock = new ManualClock(0);
      const world: World = { faulty: false, level: 80, log: [] };
      const experiment = base({
        steadyStateHypothesis: { title: 'back within 5 s', probes: [{ name: 'level ok', probe: 'level', tolerance: { atLeast: 50 }, withinMs: 5_000, intervalMs: 1_000 }] },
        method: [{ action: 'break', durationMs: 2_000 }],
      });
      const run = new ExperimentRun(experiment, { registry: setup(world), target: {}, clock });
      return drive(clock, run, (t) => (world.level = t >= 1_000 && t < at ? 10 : 80));
    };
    expect((await recovers(5_000)).status).toBe('passed');
    const late = await recovers(60_000);
    expect(late).toMatchObject({ status: 'failed', reason: 'steady-state-not-met-after' });
    // Intermediate measurements are kept for the chart; only the last is counted.
    const after = late.probes.filter((p) => p.phase === 'after');
    expect(after.length).toBeGreaterThan(1);
    expect(after.filter((p) => p.counted)).toHaveLength(1);
  });

  it('a probe that throws is a failed measurement with its error, not a crashed run', async () => {
    const clock = new ManualClock(0);
    const registry = setup({ faulty: false, level: 80, log: [] });
    const experiment = base({ steadyStateHypothesis: { title: 'x', probes: [{ name: 'missing', probe: 'nope', tolerance: { equals: true } }] } });
    const journal = await runExperiment(experiment, { registry, target: {}, clock });
    expect(journal.status).toBe('failed');
    expect(journal.probes[0]).toMatchObject({ ok: false, error: 'unknown probe "nope"' });
  });
});
