/**
 * Anomalies in the alert engine. The detector's verdicts are served as series the engine reads:
 * - `bulwark_anomaly{series, kind}`: 1 while the series is anomalous, else 0 (0 in warm-up too: a
 *   rule over a series that is missing cannot be told from a broken one);
 * - `bulwark_anomaly_score{series, kind}`: the latest point's signed robust deviations from its baseline.
 * Each `bulwark_anomaly` sample carries the annotations `observed`, `baseline`, `lower`, `upper`,
 * `score` and `band`, which the engine puts on the alert it raises for that series.
 * One rule per series, `anomaly-NAME`, fires while its `bulwark_anomaly` is 1.
 */
import type { AlertRuleInput } from '../../observe/alerts/rule.js';
import type { MetricSource, Sample } from '../slo-alerts.js';
import type { AnomalyDetector, SeriesStatus } from './detector.js';

export const anomalyMetricNames = {
  anomaly: 'bulwark_anomaly',
  score: 'bulwark_anomaly_score',
} as const;

const units = { latency: 'ms', 'error-rate': '', 'order-rate': '/s', 'throttle-rate': '/s' } as const;

/** A number as an annotation: 4 significant digits, so 0.0512 and 1234 read as they are. */
function shown(value: number | undefined): string {
  return value === undefined ? '' : Number.isFinite(value) ? String(+value.toPrecision(4)) : String(value);
}

export function anomalyAnnotations(s: SeriesStatus): Record<string, string> {
  const unit = units[s.kind];
  return {
    observed: `${shown(s.observed)}${unit}`,
    baseline: `${shown(s.baseline)}${unit}`,
    lower: `${shown(s.lower)}${unit}`,
    upper: `${shown(s.upper)}${unit}`,
    score: shown(s.score),
    band: s.band ?? '',
  };
}

/** The detector's verdicts as a metric source for the alert engine (combine it with others with `combinedSource`). */
export function anomalyMetricSource(detector: Pick<AnomalyDetector, 'statuses'>): MetricSource {
  return {
    read(metric) {
      const samples: Array<Sample & { annotations?: Record<string, string> }> = [];
      for (const s of detector.statuses()) {
        const labels = { series: s.series, kind: s.kind };
        if (s.state === 'warm-up' || s.score === undefined) {
          if (metric === anomalyMetricNames.anomaly) samples.push({ labels, value: 0, annotations: { ...anomalyAnnotations(s), band: 'warm-up' } });
          continue;
        }
        if (metric === anomalyMetricNames.anomaly) samples.push({ labels, value: s.state === 'anomalous' ? 1 : 0, annotations: anomalyAnnotations(s) });
        if (metric === anomalyMetricNames.score) samples.push({ labels, value: s.score });
      }
      return Promise.resolve(samples);
    },
  };
}

/** The engine rule name of a series' anomaly alert: characters a rule name cannot hold become `_`. */
export function anomalyAlertName(series: string): string {
  return `anomaly-${series.replace(/[^A-Za-z0-9_.-]/g, '_')}`.slice(0, 100);
}

/** One rule per series of the detector: fires while the series is anomalous. */
export function anomalyAlertRules(detector: Pick<AnomalyDetector, 'specs'>, options: { severity?: 'critical' | 'warning' | 'info' } = {}): AlertRuleInput[] {
  return detector.specs().map((spec) => ({
    name: anomalyAlertName(spec.name),
    metric: anomalyMetricNames.anomaly,
    match: { series: spec.name },
    condition: '>=' as const,
    threshold: 1,
    severity: options.severity ?? 'warning',
    description: `${spec.name}: ${spec.kind} left its baseline band (see observed and baseline)`,
    labels: { series: spec.name, kind: spec.kind },
  }));
}

/**
 * A rule on the detector's series. Those series live in the process that runs the detector, not in
 * the exported metrics, so a Prometheus rule file leaves these rules out (Prometheus would never fire them).
 */
export function isAnomalyRule(rule: { metric: string }): boolean {
  return rule.metric === anomalyMetricNames.anomaly || rule.metric === anomalyMetricNames.score;
}
