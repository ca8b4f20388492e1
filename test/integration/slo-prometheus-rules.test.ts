/**
 * The SLOs' Prometheus rules checked by the real promtool: `promtool check rules` accepts the
 * export, and `promtool test rules` evaluates the recording and burn-rate alert rules on a
 * synthetic series (a healthy dependency that starts failing half its calls): the fast page
 * stays quiet while healthy and fires once both of its windows burn at 14.4x.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { toPrometheusRules } from '../../src/observe/alerts/export.js';
import { METRICS_DEFAULTS, metricNames } from '../../src/observe/metrics.js';
import { SLO_SOURCE_METRICS, sloPrometheusGroups, type SloDefinition } from '../../src/analytics/index.js';
import { describeWith, requireService } from '../support/services.js';
import { probeTool, run } from '../support/prometheus.js';

const available = await requireService('promtool', () => probeTool('promtool'));

const slos: SloDefinition[] = [
  { name: 'orders-available', dependency: 'orders', kind: 'availability', objectivePercent: 99, windowDays: 30 },
  { name: 'orders-fast', dependency: 'orders', kind: 'latency', objectivePercent: 95, thresholdMs: 250 },
];

it('reads the metrics the service exports, by the names chosen once', () => {
  expect(SLO_SOURCE_METRICS).toEqual({ breakerCalls: metricNames.breakerCalls, callDuration: metricNames.callDuration });
});

it('refuses a latency threshold that is no bound of the histogram, naming the SLO', () => {
  expect(() => sloPrometheusGroups([{ ...slos[1]!, thresholdMs: 300 }], { latencyBucketsSeconds: METRICS_DEFAULTS.latencyBuckets })).toThrow(/^slo "orders-fast": thresholdMs 300 is not a bound of the latency histogram/);
});

describeWith(available, 'SLO rules in promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-slo-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const groups = sloPrometheusGroups(slos, { latencyBucketsSeconds: METRICS_DEFAULTS.latencyBuckets });
  const rulesFile = join(dir, 'rules.yml');
  writeFileSync(rulesFile, toPrometheusRules([], 'bulwark', groups));

  it('passes promtool check rules', async () => {
    const result = await run('promtool', ['check', 'rules', rulesFile]);
    const count = groups.reduce((n, g) => n + g.rules.length, 0);
    expect(result.output).toContain(`SUCCESS: ${count} rules found`);
    expect(result.code).toBe(0);
  });

  it('evaluates the burn-rate rules on a synthetic series as the workbook says', async () => {
    const page = groups[0]!.rules.find((r) => 'alert' in r && r.alert === 'slo-orders-available-page-1h')!;
    const annotations = 'annotations' in page ? page.annotations : {};
    const calls = (kind: string): string => `${metricNames.breakerCalls}{name="orders",kind="${kind}"}`;
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // 100 successful calls a minute throughout; from minute 121 on, 100 failed ones a minute too.
            { series: calls('successful'), values: '0+100x200' },
            { series: calls('failed'), values: '0x120 100+100x79' },
            { series: calls('not_permitted'), values: '0x200' },
          ],
          promql_expr_test: [
            { expr: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', eval_time: '140m', exp_samples: [{ labels: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', value: 0.5 }] },
            { expr: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', eval_time: '100m', exp_samples: [{ labels: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', value: 0 }] },
          ],
          alert_rule_test: [
            { eval_time: '110m', alertname: 'slo-orders-available-page-1h', exp_alerts: [] },
            {
              eval_time: '140m',
              alertname: 'slo-orders-available-page-1h',
              exp_alerts: [{ exp_labels: { slo: 'orders-available', alert: 'page-1h', severity: 'critical' }, exp_annotations: annotations }],
            },
          ],
        },
      ],
    };
    const testFile = join(dir, 'tests.yml');
    writeFileSync(testFile, stringify(tests));
    const result = await run('promtool', ['test', 'rules', testFile]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});
