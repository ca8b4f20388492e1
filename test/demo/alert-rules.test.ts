import { describe, expect, it } from 'vitest';
import { demoAlertRules } from '../../src/demo/alert-rules.js';
import { toPrometheusRules } from '../../src/observe/alerts/export.js';
import { parseAlertRule } from '../../src/observe/alerts/rule.js';
import { metricNames } from '../../src/observe/metrics.js';

describe('demo alert rules', () => {
  it('are valid rules over metrics of the vocabulary, with unique names, and export to Prometheus', () => {
    const rules = demoAlertRules.map((r) => parseAlertRule(r));
    const vocabulary = new Set<string>(Object.values(metricNames));
    for (const rule of rules) expect(vocabulary.has(rule.metric), rule.name).toBe(true);
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
    expect(toPrometheusRules(rules)).toContain('alert: BreakerOpen');
  });
});
