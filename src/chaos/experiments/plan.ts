/**
 * A dry run: checks that every action and probe an experiment names exists and that its args are
 * valid, and describes what a run would do, in order, without touching anything.
 */
import { type ActivityRegistry, activityArgs } from './activities.js';
import type { Experiment } from './experiment-schema.js';
import { describeTolerance } from './tolerance.js';

export interface ExperimentPlan {
  title: string;
  productionSafe: boolean;
  /** Method durations added up. */
  durationMs: number;
  /** What a run does, in order, one line each. */
  steps: string[];
  /** Every unknown name or bad argument, each naming its key. */
  problems: string[];
}

export function planExperiment(experiment: Experiment, registry: ActivityRegistry): ExperimentPlan {
  const problems: string[] = [];
  const check = (kind: 'action' | 'probe', name: string, args: Record<string, unknown>, where: string): void => {
    const activity = kind === 'action' ? registry.action(name) : registry.probe(name);
    if (!activity) {
      problems.push(`${where}.${kind}: unknown ${kind} "${name}"`);
      return;
    }
    try {
      activityArgs(activity, args, where);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  };
  const steps: string[] = [];
  const h = experiment.steadyStateHypothesis;
  h.probes.forEach((p, i) => check('probe', p.probe, p.args, `steadyStateHypothesis.probes.${i}`));
  steps.push(`hypothesis before: ${h.title} (${h.probes.map((p) => `${p.name} ${describeTolerance(p.tolerance)}`).join('; ')})`);
  experiment.abortConditions.forEach((c, i) => {
    check('probe', c.probe, c.args, `abortConditions.${i}`);
    steps.push(`abort when ${c.name} leaves ${describeTolerance(c.limit)} (checked every ${c.intervalMs} ms)`);
  });
  experiment.method.forEach((s, i) => {
    check('action', s.action, s.args, `method.${i}`);
    s.probes.forEach((p, j) => check('probe', p.probe, p.args, `method.${i}.probes.${j}`));
    const probes = s.probes.map((p) => `${p.name} ${describeTolerance(p.tolerance)} (${p.mode}${p.mode === 'continuous' ? ` every ${p.intervalMs} ms` : ''})`);
    steps.push(`action ${s.name ?? s.action} for ${s.durationMs} ms${probes.length ? `, probes: ${probes.join('; ')}` : ''}, then reverted`);
  });
  steps.push(`hypothesis after: ${h.title}${h.probes.some((p) => p.withinMs > 0) ? ` (waiting up to ${Math.max(...h.probes.map((p) => p.withinMs))} ms)` : ''}`);
  experiment.rollbacks.forEach((r, i) => {
    check('action', r.action, r.args, `rollbacks.${i}`);
    steps.push(`rollback ${r.name ?? r.action}`);
  });
  return { title: experiment.title, productionSafe: experiment.productionSafe, durationMs: experiment.method.reduce((sum, s) => sum + s.durationMs, 0), steps, problems };
}
