/**
 * The SLOs' Prometheus rules checked by the real promtool: `promtool check rules` accepts the
 * export, and `promtool test rules` evaluates the recording and burn-rate alert rules on a
 * synthetic series (a healthy dependency that starts failing half its calls): the fast page
 * stays quiet while healthy and fires once both of its windows burn at 14.4x; and a low-traffic
 * dependency (a call every ten minutes, then two failing) whose burn rates pass every factor alerts
 * nothing while its long windows hold fewer than the minimum calls, though its unguarded twin pages.
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
  { name: 'quotes-available', dependency: 'quotes', kind: 'availability', objectivePercent: 99, windowDays: 30 }, // the default minimumCalls (100)
  { name: 'quotes-unguarded', dependency: 'quotes', kind: 'availability', objectivePercent: 99, windowDays: 30, minimumCalls: 0 },
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
    const unguarded = groups[3]!.rules.find((r) => 'alert' in r && r.alert === 'slo-quotes-unguarded-page-1h')!;
    const unguardedAnnotations = 'annotations' in unguarded ? unguarded.annotations : {};
    const calls = (kind: string, name = 'orders'): string => `${metricNames.breakerCalls}{name="${name}",kind="${kind}"}`;
    // Minutes 0 to 200: one successful quote every ten minutes; two failed ones at minute 128.
    const minutes = Array.from({ length: 201 }, (_, m) => m);
    const sparse = minutes.map((m) => Math.floor(m / 10)).join(' ');
    const twoFailed = minutes.map((m) => (m >= 128 ? 2 : 0)).join(' ');
    const quiet = (slo: string) => ['page-1h', 'page-6h', 'ticket-1d', 'ticket-3d'].map((alert) => ({ eval_time: '130m', alertname: `slo-${slo}-${alert}`, exp_alerts: [] }));
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
            { series: calls('successful', 'quotes'), values: sparse },
            { series: calls('failed', 'quotes'), values: twoFailed },
          ],
          promql_expr_test: [
            { expr: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', eval_time: '140m', exp_samples: [{ labels: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', value: 0.5 }] },
            { expr: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', eval_time: '100m', exp_samples: [{ labels: 'bulwark_slo_error_ratio{slo="orders-available",window="5m"}', value: 0 }] },
            // The quotes burn past the fast page's 14.4x (a 14.4% error ratio) over both windows, on a handful of calls...
            { expr: 'min without (window) (bulwark_slo_error_ratio{slo="quotes-available",window=~"1h|5m"}) > bool 0.144', eval_time: '130m', exp_samples: [{ labels: '{slo="quotes-available"}', value: 1 }] },
            { expr: 'bulwark_slo_calls{slo="quotes-available",window="1h"} < bool 10', eval_time: '130m', exp_samples: [{ labels: '{slo="quotes-available",window="1h"}', value: 1 }] },
            // ...so the guarded burn ratio is 0 (the series stays, as in the engine); the unguarded one passes 1.
            { expr: 'bulwark_slo_burn_ratio{slo="quotes-available",alert="page-1h"}', eval_time: '130m', exp_samples: [{ labels: 'bulwark_slo_burn_ratio{slo="quotes-available",alert="page-1h",severity="critical"}', value: 0 }] },
            { expr: 'bulwark_slo_burn_ratio{slo="quotes-unguarded",alert="page-1h"} >= bool 1', eval_time: '130m', exp_samples: [{ labels: '{slo="quotes-unguarded",alert="page-1h",severity="critical"}', value: 1 }] },
            // The busy dependency holds far more than the minimum in its hour.
            { expr: 'bulwark_slo_calls{slo="orders-available",window="1h"} >= bool 100', eval_time: '140m', exp_samples: [{ labels: '{slo="orders-available",window="1h"}', value: 1 }] },
          ],
          alert_rule_test: [
            { eval_time: '110m', alertname: 'slo-orders-available-page-1h', exp_alerts: [] },
            {
              eval_time: '140m',
              alertname: 'slo-orders-available-page-1h',
              exp_alerts: [{ exp_labels: { slo: 'orders-available', alert: 'page-1h', severity: 'critical' }, exp_annotations: annotations }],
            },
            // The low-traffic dependency: no alert while its windows hold too few calls; its twin without the guard pages.
            ...quiet('quotes-available'),
            { eval_time: '130m', alertname: 'slo-quotes-unguarded-page-1h', exp_alerts: [{ exp_labels: { slo: 'quotes-unguarded', alert: 'page-1h', severity: 'critical' }, exp_annotations: unguardedAnnotations }] },
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
