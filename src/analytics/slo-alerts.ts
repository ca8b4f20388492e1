/**
 * SLOs in the alert engine: a metric source that serves the SLO series from the recording, and
 * the engine rules that alert on them. The series carry the names and labels the exported
 * Prometheus rules record (slo-prometheus.ts), so an engine rule and its Prometheus twin read the
 * same metric:
 * - `bulwark_slo_error_ratio{slo, window}`: bad / total calls over the window;
 * - `bulwark_slo_calls{slo, window}`: the calls over the window (the SLI's total);
 * - `bulwark_slo_burn_ratio{slo, alert, severity}`: min(long, short window burn rate) / factor; 1 or
 *   more fires; 0 while the long window holds fewer than the SLO's `minimumCalls`;
 * - `bulwark_slo_error_budget_remaining_ratio{slo}`: 1 - bad / allowed over the SLO window.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { AlertRuleInput } from '../observe/alerts/rule.js';

/**
 * A sample and a metric source, as the alert engine reads them (observe/alerts/source.ts); written
 * here so that this entry's types need no prom-client.
 */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
}
export interface MetricSource {
  read(metric: string): Promise<Sample[]>;
}
import type { SloEvaluator, SloStatus } from './slo.js';

export const sloMetricNames = {
  errorRatio: 'bulwark_slo_error_ratio',
  calls: 'bulwark_slo_calls',
  burnRatio: 'bulwark_slo_burn_ratio',
  budgetRemaining: 'bulwark_slo_error_budget_remaining_ratio',
} as const;

export const SLO_SOURCE_DEFAULTS = {
  cacheMs: 10_000, // one bucket of the finest tier: the engine's rules of one evaluation share one read
};

/** The SLO series as a metric source; statuses are read at most once per `cacheMs`. */
export function sloMetricSource(evaluator: SloEvaluator, options: { clock?: Clock; cacheMs?: number } = {}): MetricSource & { statuses(): Promise<SloStatus[]> } {
  const clock = options.clock ?? systemClock;
  const cacheMs = options.cacheMs ?? SLO_SOURCE_DEFAULTS.cacheMs;
  let cached: { at: number; statuses: Promise<SloStatus[]> } | undefined;
  const statuses = (): Promise<SloStatus[]> => {
    const now = clock.now();
    if (!cached || now - cached.at >= cacheMs) {
      const read = evaluator.statuses(now);
      read.catch(() => (cached = undefined)); // a failed read is not kept
      cached = { at: now, statuses: read };
    }
    return cached.statuses;
  };
  return {
    statuses,
    async read(metric) {
      if (!Object.values(sloMetricNames).includes(metric as never)) return [];
      const samples: Sample[] = [];
      for (const s of await statuses()) {
        if (metric === sloMetricNames.budgetRemaining) samples.push({ labels: { slo: s.name }, value: s.budgetRemainingRatio });
        if (metric === sloMetricNames.errorRatio) {
          for (const [window, value] of Object.entries(s.errorRatios)) if (value !== null) samples.push({ labels: { slo: s.name, window }, value });
        }
        if (metric === sloMetricNames.calls) {
          for (const [window, value] of Object.entries(s.calls)) samples.push({ labels: { slo: s.name, window }, value });
        }
        if (metric === sloMetricNames.burnRatio) {
          for (const a of s.alerts) if (a.ratio !== null) samples.push({ labels: { slo: s.name, alert: a.alert, severity: a.severity }, value: a.ratio });
        }
      }
      return samples;
    },
  };
}

/** Reads each metric from every source in turn (the registry's and the SLOs', say). */
export function combinedSource(...sources: MetricSource[]): MetricSource {
  return {
    async read(metric) {
      const all = await Promise.all(sources.map((s) => s.read(metric)));
      return all.flat();
    },
  };
}

/** The engine rule name of an SLO's burn-rate alert. */
export function sloAlertName(slo: string, alert: string): string {
  return `slo-${slo}-${alert}`;
}

/** One engine rule per SLO and burn-rate alert: fires while the burn ratio is 1 or more (never below the SLO's minimum calls). */
export function sloAlertRules(evaluator: Pick<SloEvaluator, 'slos' | 'alerts'>): AlertRuleInput[] {
  return evaluator.slos.flatMap((slo) =>
    evaluator.alerts.map((a) => ({
      name: sloAlertName(slo.name, a.alert),
      metric: sloMetricNames.burnRatio,
      match: { slo: slo.name, alert: a.alert },
      condition: '>=' as const,
      threshold: 1,
      severity: a.severity,
      description: `${slo.name}: the error budget of ${slo.dependency} burns too fast (${a.alert}: over both windows)`,
      labels: { slo: slo.name },
    })),
  );
}
