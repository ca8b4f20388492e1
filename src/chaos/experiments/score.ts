/**
 * The resilience score, LitmusChaos-style: every probe of the experiment carries a weight, and
 * scores the share of its evaluations that passed; the run's score is the weighted mean, 0-100.
 * A probe that never ran (the method was skipped or aborted first) scores 0. Abort conditions
 * guard the run and carry no weight.
 */
import type { Experiment } from './experiment-schema.js';
import type { ProbeRecord } from './run-journal.js';

/** Every scored probe of an experiment, by journal key, with its weight. */
export function scoredProbes(experiment: Experiment): Array<{ key: string; weight: number }> {
  const probes = experiment.steadyStateHypothesis.probes.map((p) => ({ key: hypothesisKey(p.name), weight: p.weight }));
  experiment.method.forEach((step, i) => {
    for (const p of step.probes) probes.push({ key: stepProbeKey(i, p.name), weight: p.weight });
  });
  return probes;
}

export const hypothesisKey = (name: string): string => `hypothesis/${name}`;
export const stepProbeKey = (step: number, name: string): string => `method/${step}/${name}`;
export const abortKey = (name: string): string => `abort/${name}`;

export function resilienceScore(experiment: Experiment, records: readonly ProbeRecord[]): number {
  const probes = scoredProbes(experiment);
  const total = probes.reduce((sum, p) => sum + p.weight, 0);
  if (total === 0) return 0;
  let earned = 0;
  for (const probe of probes) {
    const evaluations = records.filter((r) => r.counted && r.key === probe.key);
    if (evaluations.length === 0) continue;
    earned += (probe.weight * evaluations.filter((r) => r.ok).length) / evaluations.length;
  }
  return Math.round((earned / total) * 100);
}
