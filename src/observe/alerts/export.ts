/** Exports rules as a Prometheus rule file, so they can move to Prometheus/Alertmanager as they are. */
import { stringify } from 'yaml';
import type { AlertRule } from './rule.js';

function duration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The PromQL expression equivalent to a rule. */
export function toPromQL(rule: AlertRule): string {
  const matchers = Object.entries(rule.match)
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(',');
  const selector = `${rule.metric}${matchers ? `{${matchers}}` : ''}`;
  const inner = rule.fn === 'rate' ? `rate(${selector}[${duration(rule.rangeMs)}])` : selector;
  const by = rule.by.length > 0 ? ` by (${rule.by.join(', ')})` : '';
  return `${rule.aggregate}${by}(${inner}) ${rule.condition} ${rule.threshold}`;
}

/** A rule of a Prometheus rule file: a recording rule or an alerting rule. */
export type PrometheusRule =
  | { record: string; expr: string; labels?: Record<string, string> }
  | { alert: string; expr: string; for?: string; keep_firing_for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/** A group of a Prometheus rule file (analytics/slo-prometheus.ts makes the SLO groups). */
export interface PrometheusRuleGroup {
  name: string;
  /** Evaluation interval of the group; Prometheus's global one when absent. */
  interval?: string;
  rules: PrometheusRule[];
}

/** The rules as a rule file; `groups` (e.g. the SLOs' recording rules) follow the rules' own group. */
export function toPrometheusRules(rules: AlertRule[], groupName = 'bulwark', groups: readonly PrometheusRuleGroup[] = []): string {
  return stringify({
    groups: [
      {
        name: groupName,
        rules: rules.map((rule) => ({
          alert: rule.name,
          expr: toPromQL(rule),
          ...(rule.forMs > 0 ? { for: duration(rule.forMs) } : {}),
          ...(rule.keepFiringForMs > 0 ? { keep_firing_for: duration(rule.keepFiringForMs) } : {}),
          labels: { severity: rule.severity, ...rule.labels },
          annotations: { ...(rule.description ? { description: rule.description } : {}), ...rule.annotations },
        })),
      },
      ...groups,
    ],
  });
}
