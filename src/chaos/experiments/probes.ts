/**
 * The built-in probes, over the service's own parts (see `ChaosTarget`):
 *   health-score       the health score, 0-100, as /health/score computes it
 *   health-check       a named health check's status is one of `statuses` (default: up) -> boolean
 *   gate-mode          the trading gate's mode is one of `modes` (default: not halted) -> boolean
 *   metric             a figure from the metrics registry (value, quantile, mean, share)
 *   duplicate-orders   client order ids the exchange holds more than one order for (count)
 *   unresolved-orders  intents the journal has not resolved yet (default: UNKNOWN)
 */
import { z } from 'zod';
import { healthScore } from '../../health/score.js';
import type { ChaosProbe } from './activities.js';
import { readMetric } from './metric-reader.js';
import type { ChaosTarget } from './target.js';

function need<K extends keyof ChaosTarget>(target: ChaosTarget, part: K, probe: string): NonNullable<ChaosTarget[K]> {
  const value = target[part];
  if (value === undefined) throw new RangeError(`probe ${probe}: the service has no ${String(part)} configured`);
  return value as NonNullable<ChaosTarget[K]>;
}

export const healthScoreProbe: ChaosProbe = {
  name: 'health-score',
  description: 'the health score, 0-100',
  async measure({ target }) {
    const report = await need(target, 'health', 'health-score').check();
    return healthScore(report, target.healthWeights ? { weights: target.healthWeights } : {}).score;
  },
};

const checkArgs = z.strictObject({ check: z.string().min(1), statuses: z.array(z.enum(['up', 'degraded', 'down', 'affected', 'unknown'])).min(1).default(['up']) });

export const healthCheckProbe: ChaosProbe<z.infer<typeof checkArgs>> = {
  name: 'health-check',
  description: "true while the health check `check` (e.g. storage, redis) reports one of `statuses` (default: up)",
  args: checkArgs,
  async measure({ target }, args) {
    const report = await need(target, 'health', 'health-check').check();
    const found = report.checks.find((c) => c.name === args.check);
    if (!found) throw new RangeError(`probe health-check: the service has no health check "${args.check}"`);
    return (args.statuses as string[]).includes(found.status);
  },
};

const gateArgs = z.strictObject({ modes: z.array(z.enum(['active', 'reducing', 'halted'])).min(1).default(['active', 'reducing']) });

export const gateModeProbe: ChaosProbe<z.infer<typeof gateArgs>> = {
  name: 'gate-mode',
  description: "true while the trading gate's mode is one of `modes` (default: active or reducing, not halted)",
  args: gateArgs,
  measure: ({ target }, args) => args.modes.includes(need(target, 'gate', 'gate-mode').mode),
};

const labelsSchema = z.record(z.string(), z.string());
const metricArgs = z.strictObject({
  name: z.string().min(1),
  labels: labelsSchema.optional(),
  stat: z.enum(['value', 'quantile', 'mean', 'share']).default('value'),
  quantile: z.number().min(0).max(1).optional(),
  ofLabels: labelsSchema.optional(),
});

export const metricProbe: ChaosProbe<z.infer<typeof metricArgs>> = {
  name: 'metric',
  description: 'a figure from the metrics registry: value, quantile (of a histogram), mean or share',
  args: metricArgs,
  measure: ({ target }, args) => readMetric(need(target, 'registry', 'metric'), args),
};

export const duplicateOrdersProbe: ChaosProbe = {
  name: 'duplicate-orders',
  description: 'client order ids the exchange holds more than one order for: orders placed twice',
  async measure({ target }) {
    const orders = await need(target, 'exchange', 'duplicate-orders').heldOrders();
    const seen = new Map<string, number>();
    for (const o of orders) seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1);
    return [...seen.values()].filter((n) => n > 1).length;
  },
};

// UNKNOWN by default: PENDING and SENT come and go with every order a running bot places.
const unresolvedArgs = z.strictObject({ states: z.array(z.enum(['PENDING', 'SENT', 'UNKNOWN'])).min(1).default(['UNKNOWN']) });

export const unresolvedOrdersProbe: ChaosProbe<z.infer<typeof unresolvedArgs>> = {
  name: 'unresolved-orders',
  description: 'intents the journal has not resolved in `states` (default: UNKNOWN, the outcome not known yet): zero once it has caught up',
  args: unresolvedArgs,
  async measure({ target }, args) {
    const counts = await need(target, 'orders', 'unresolved-orders').counts();
    return args.states.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
  },
};

export const builtInProbes: readonly ChaosProbe<never>[] = [healthScoreProbe, healthCheckProbe, gateModeProbe, metricProbe, duplicateOrdersProbe, unresolvedOrdersProbe] as ChaosProbe<never>[];
