/**
 * The SLOs as Prometheus recording and alerting rules, as Sloth and Pyrra generate them, over the
 * metrics Bulwark exports (docs/metrics.md), so Prometheus computes what the alert engine does:
 * - `bulwark_slo_error_ratio{slo, window}` for each burn-rate window and the SLO window;
 *   availability: failed and not-permitted breaker calls over all of them
 *   (`bulwark_circuitbreaker_calls_total`); latency: the successful calls above the threshold's
 *   histogram bucket (`bulwark_call_duration_seconds`), so the threshold must be a bucket bound;
 * - `bulwark_slo_calls{slo, window}` for each burn-rate window: the calls of those (increase);
 * - `bulwark_slo_burn_ratio{slo, alert, severity}`: the smaller of the two windows' error ratios
 *   over (budget x factor): 1 or more means both windows burn at the factor; times 0 while the
 *   long window holds fewer than the SLO's `minimumCalls` (Sloth-style
 *   `and on() sum(increase(total[1h])) >= N`, kept as a 0 so the series stays, as in the engine);
 * - `bulwark_slo_error_budget_remaining_ratio{slo}`;
 * - one alert per SLO and burn-rate alert, named as the engine's rule (`slo-NAME-page-1h`).
 * The SLO's dependency is the breaker's `name` label.
 */
import type { PrometheusRule, PrometheusRuleGroup } from '../observe/alerts/export.js';
import { BURN_RATE_ALERTS, type BurnRateAlert, burnFactor, burnWindowsMs, promDuration } from './burn-rate.js';
import { SLO_DEFAULTS, type SloDefinition, sloMinimumCalls } from './slo.js';
import { sloAlertName, sloMetricNames } from './slo-alerts.js';

/** The exported metrics the rules read; the same names as observe/metrics.ts `metricNames` (a test holds them equal). */
export const SLO_SOURCE_METRICS = {
  breakerCalls: 'bulwark_circuitbreaker_calls_total',
  callDuration: 'bulwark_call_duration_seconds',
} as const;

export interface SloPrometheusOptions {
  /** The histogram's bucket bounds in seconds (the `latencyBuckets` of the metrics); needed by latency SLOs. */
  latencyBucketsSeconds?: readonly number[];
  alerts?: readonly BurnRateAlert[];
  /** Also write the alerting rules (false when the engine's SLO rules are exported beside them). */
  includeAlerts?: boolean;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

/** `bad / total` over `window` for the SLO, in PromQL. */
function errorRatioExpr(slo: SloDefinition, window: string, bucketsSeconds: readonly number[] | undefined): string {
  const name = `name=${quote(slo.dependency)}`;
  if (slo.kind === 'availability') {
    const calls = SLO_SOURCE_METRICS.breakerCalls;
    return `sum(rate(${calls}{${name},kind=~"failed|not_permitted"}[${window}])) / sum(rate(${calls}{${name}}[${window}]))`;
  }
  const thresholdSeconds = (slo.thresholdMs ?? NaN) / 1000;
  if (!bucketsSeconds || !bucketsSeconds.includes(thresholdSeconds)) {
    throw new RangeError(
      `slo "${slo.name}": thresholdMs ${slo.thresholdMs} is not a bound of the latency histogram (${bucketsSeconds ? bucketsSeconds.map((b) => b * 1000).join(', ') : 'no latencyBucketsSeconds given'} ms); Prometheus can only count calls below a bucket bound`,
    );
  }
  const d = SLO_SOURCE_METRICS.callDuration;
  return `1 - (sum(rate(${d}_bucket{${name},kind="successful",le=${quote(String(thresholdSeconds))}}[${window}])) / sum(rate(${d}_count{${name},kind="successful"}[${window}])))`;
}

/** The SLI's calls over `window` for the SLO (every breaker call, or the successful ones for latency), in PromQL. */
function callsExpr(slo: SloDefinition, window: string): string {
  const name = `name=${quote(slo.dependency)}`;
  if (slo.kind === 'availability') return `sum(increase(${SLO_SOURCE_METRICS.breakerCalls}{${name}}[${window}]))`;
  return `sum(increase(${SLO_SOURCE_METRICS.callDuration}_count{${name},kind="successful"}[${window}]))`;
}

/** One group per SLO: its recording rules, then (unless told not to) its alerts. */
export function sloPrometheusGroups(slos: readonly SloDefinition[], options: SloPrometheusOptions = {}): PrometheusRuleGroup[] {
  const alerts = options.alerts ?? BURN_RATE_ALERTS;
  return slos.map((slo) => {
    const windowDays = slo.windowDays ?? SLO_DEFAULTS.windowDays;
    const minimumCalls = sloMinimumCalls(slo);
    const budget = Number(((100 - slo.objectivePercent) / 100).toPrecision(12));
    const sel = (extra: string): string => `{slo=${quote(slo.name)}${extra}}`;
    const windows = [...burnWindowsMs(alerts).map(promDuration), `${windowDays}d`].filter((w, i, all) => all.indexOf(w) === i);
    const rules: PrometheusRule[] = windows.map((window) => ({
      record: sloMetricNames.errorRatio,
      expr: errorRatioExpr(slo, window, options.latencyBucketsSeconds),
      labels: { slo: slo.name, window },
    }));
    for (const window of burnWindowsMs(alerts).map(promDuration)) {
      rules.push({ record: sloMetricNames.calls, expr: callsExpr(slo, window), labels: { slo: slo.name, window } });
    }
    for (const a of alerts) {
      const factor = burnFactor(a, windowDays);
      const pair = `${promDuration(a.longWindowMs)}|${promDuration(a.shortWindowMs)}`;
      // `E == E` drops a window without calls (0/0 is NaN); both windows must have calls, as in the engine.
      const ratios = `(${sloMetricNames.errorRatio}${sel(`,window=~${quote(pair)}`)} == ${sloMetricNames.errorRatio}${sel(`,window=~${quote(pair)}`)})`;
      // The minimum-calls guard: 1 when the long window holds enough calls, else 0.
      const enough = `(${sloMetricNames.calls}${sel(`,window=${quote(promDuration(a.longWindowMs))}`)} >= bool ${minimumCalls})`;
      rules.push({
        record: sloMetricNames.burnRatio,
        expr: `(min without (window) ${ratios} and on (slo) (count without (window) ${ratios} == 2)) / (${budget} * ${factor}) * on (slo) ${enough}`,
        labels: { slo: slo.name, alert: a.alert, severity: a.severity },
      });
    }
    rules.push({
      record: sloMetricNames.budgetRemaining,
      expr: `1 - max without (window) (${sloMetricNames.errorRatio}${sel(`,window=${quote(`${windowDays}d`)}`)}) / ${budget}`,
      labels: { slo: slo.name },
    });
    if (options.includeAlerts !== false) {
      for (const a of alerts) {
        rules.push({
          alert: sloAlertName(slo.name, a.alert),
          expr: `${sloMetricNames.burnRatio}${sel(`,alert=${quote(a.alert)}`)} >= 1`,
          labels: { severity: a.severity, slo: slo.name },
          annotations: {
            description: `${slo.name}: the error budget of ${slo.dependency} burns at ${burnFactor(a, windowDays)}x or more over ${promDuration(a.longWindowMs)} (${minimumCalls} calls or more) and ${promDuration(a.shortWindowMs)}`,
          },
        });
      }
    }
    return { name: `bulwark-slo-${slo.name}`, rules };
  });
}
