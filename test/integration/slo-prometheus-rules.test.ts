/**
 * The SLOs' Prometheus rules checked by the real promtool: `promtool check rules` accepts the
 * export, and `promtool test rules` evaluates the recording and burn-rate alert rules on a
 * synthetic series (a healthy dependency that starts failing half its calls): the fast page
 * stays quiet while healthy and fires once both of its windows burn at 14.4x; and a low-traffic
 * dependency (a call every ten minutes, then two failing) whose burn rates pass every factor alerts
 * nothing while its long windows hold fewer than the minimum calls, though its unguarded twin
 * fires. The alert engine, fed the same calls through a recording, fires the same alerts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { stringify } from 'yaml';
import { toPrometheusRules } from '../../src/observe/alerts/export.js';
import { METRICS_DEFAULTS, metricNames } from '../../src/observe/metrics.js';
import { AnalyticsReader, SLO_SOURCE_METRICS, analyticsRecorder, sloEvaluator, sloPrometheusGroups, type SloDefinition } from '../../src/analytics/index.js';
import { describeWith, requireService } from '../support/services.js';
import { probeTool, run } from '../support/prometheus.js';

const available = await requireService('promtool', () => probeTool('promtool'));

const slos: SloDefinition[] = [
  { name: 'orders-available', dependency: 'orders', kind: 'availability', objectivePercent: 99, windowDays: 30 },
  { name: 'orders-fast', dependency: 'orders', kind: 'latency', objectivePercent: 95, thresholdMs: 250 },
  { name: 'quotes-available', dependency: 'quotes', kind: 'availability', objectivePercent: 99, windowDays: 30 }, // the default minimumCalls (100)
  { name: 'quotes-unguarded', dependency: 'quotes', kind: 'availability', objectivePercent: 99, windowDays: 30, minimumCalls: 0 },
];

/**
 * The low-traffic quotes, per minute 1 to 200: one successful call every ten minutes, two failed
 * ones at minute 128. At minute 130 the hour holds 8 calls (2 bad: 25%, past page-1h's 14.4%
 * over both windows), the whole history 15: under the default minimum of every window.
 */
const quotesAt = (minute: number): { successful: number; failed: number } => ({ successful: minute % 10 === 0 ? 1 : 0, failed: minute === 128 ? 2 : 0 });
const QUOTES_JUDGED_AT_MINUTE = 130;
/** What fires at minute 130, in Prometheus and in the engine alike. */
const quotesFiring: Record<string, string[]> = {
  'quotes-available': [],
  'quotes-unguarded': ['page-1h', 'page-6h', 'ticket-1d', 'ticket-3d'],
};

it('the alert engine, fed the quotes through a recording, fires what Prometheus fires', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const db = await sqliteStorage({ path: ':memory:', clock });
  const recorder = analyticsRecorder({ storage: db, clock });
  await recorder.start();
  try {
    const start = clock.now();
    // A counter sample at minute m holds the calls made during the minute before it.
    for (let m = 1; m <= QUOTES_JUDGED_AT_MINUTE; m++) {
      await clock.advance(30_000);
      const { successful, failed } = quotesAt(m);
      for (let i = 0; i < successful; i++) recorder.record('quotes', 'success', 20);
      for (let i = 0; i < failed; i++) recorder.record('quotes', 'failure', 20);
      await clock.advance(30_000);
    }
    await recorder.flush();
    expect(clock.now() - start).toBe(QUOTES_JUDGED_AT_MINUTE * 60_000);
    const evaluator = sloEvaluator({ reader: new AnalyticsReader(await recorder.bucketStore(), { clock }), slos: slos.filter((s) => s.dependency === 'quotes'), clock });
    const statuses = await evaluator.statuses();
    expect(Object.fromEntries(statuses.map((s) => [s.name, s.alerts.filter((a) => a.firing).map((a) => a.alert)]))).toEqual(quotesFiring);
    // The guard holds the fast page back, not the burn: both windows burn past the factor.
    const page = statuses[0]!.alerts[0]!;
    expect(page).toMatchObject({ alert: 'page-1h', longWindowCalls: 8, enoughCalls: false, ratio: 0 });
    expect(Math.min(page.longBurnRate!, page.shortBurnRate!)).toBeGreaterThan(page.factor);
  } finally {
    await recorder.stop();
    await db.close();
  }
});

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
    const calls = (kind: string, name = 'orders'): string => `${metricNames.breakerCalls}{name="${name}",kind="${kind}"}`;
    // The quotes as counters, minutes 0 to 200.
    const counter = (kind: 'successful' | 'failed'): string => {
      let total = 0;
      return Array.from({ length: 201 }, (_, m) => (total += m === 0 ? 0 : quotesAt(m)[kind])).join(' ');
    };
    const quotesAlerts = Object.entries(quotesFiring).flatMap(([slo, firing]) =>
      ['page-1h', 'page-6h', 'ticket-1d', 'ticket-3d'].map((alert) => {
        const rule = groups.flatMap((g) => g.rules).find((r) => 'alert' in r && r.alert === `slo-${slo}-${alert}`)!;
        const exp = { exp_labels: { slo, alert, severity: alert.startsWith('page') ? 'critical' : 'warning' }, exp_annotations: 'annotations' in rule ? rule.annotations : {} };
        return { eval_time: `${QUOTES_JUDGED_AT_MINUTE}m`, alertname: `slo-${slo}-${alert}`, exp_alerts: firing.includes(alert) ? [exp] : [] };
      }),
    );
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
            { series: calls('successful', 'quotes'), values: counter('successful') },
            { series: calls('failed', 'quotes'), values: counter('failed') },
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
            // The low-traffic dependency: no alert while its windows hold too few calls; its twin without the guard fires.
            ...quotesAlerts,
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
