/**
 * /api/analytics/*: SLO status and incidents with MTBF/MTTR, over a real recording (SQLite,
 * ManualClock) of the fixture's `exchange` breaker; and the SLO recording rules in rules.yaml.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { analyticsService, trackBreakerIncidents, type AnalyticsService } from '../../../src/analytics/index.js';
import { METRICS_DEFAULTS } from '../../../src/observe/metrics.js';
import { type OpsApp, buildApp } from '../../../src/server/app.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
let app: OpsApp;
let analytics: AnalyticsService;
afterEach(async () => {
  await app.close();
  await analytics.close();
  await f.close();
});

async function setUp(): Promise<void> {
  f = await fixture();
  analytics = await analyticsService({
    storage: f.storage,
    clock: f.clock,
    slos: [{ name: 'exchange-available', dependency: 'exchange', kind: 'availability', objectivePercent: 99, windowDays: 30 }],
    latencyBucketsSeconds: METRICS_DEFAULTS.latencyBuckets,
  });
  const breaker = f.registry.breaker('exchange');
  analytics.recorder.bindBreaker(breaker);
  trackBreakerIncidents(analytics.incidents, breaker);
  app = await buildApp({ ...f.components, analytics }, { webRoot: join(tmpdir(), 'no-dashboard'), bindTimeline: false });
}

describe('analytics routes', () => {
  it('serves the SLO status and the incidents with MTBF and MTTR', async () => {
    await setUp();
    const breaker = f.registry.breaker('exchange');
    for (let i = 0; i < 98; i++) await breaker.execute(() => 'ok');
    for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined); // two in a row: open
    await breaker.execute(() => 'ok').catch(() => undefined); // rejected
    await f.clock.advance(60_000); // the breaker's default openMs (30 s) passes; recorder flushes
    await breaker.execute(() => 'ok'); // the trial closes it
    await analytics.recorder.flush();
    await analytics.incidents.flush();

    const slos = await app.inject({ method: 'GET', url: '/api/analytics/slos' });
    expect(slos.statusCode).toBe(200);
    const [status] = slos.json<Array<{ name: string; totalCalls: number; badCalls: number; budgetRemainingRatio: number }>>();
    expect(status).toMatchObject({ name: 'exchange-available', totalCalls: 102, badCalls: 3 });
    expect(status!.budgetRemainingRatio).toBeCloseTo(1 - 3 / 1.02, 9);

    const incidents = await app.inject({ method: 'GET', url: `/api/analytics/incidents?since=${Date.UTC(2026, 0, 1)}` });
    expect(incidents.statusCode).toBe(200);
    const body = incidents.json<{ incidents: Array<{ kind: string; dependency: string; startedAt: number; endedAt: number }>; reliability: Array<{ dependency: string; failures: number; mttrMs: number }> }>();
    expect(body.incidents.map((i) => [i.kind, i.dependency, i.endedAt - i.startedAt])).toEqual([['breaker-open', 'exchange', 60_000]]);
    expect(body.reliability).toMatchObject([{ dependency: 'exchange', failures: 1, mttrMs: 60_000 }]);
  });

  it('answers 400 naming the field for a bad time or kind', async () => {
    await setUp();
    const badTime = await app.inject({ method: 'GET', url: '/api/analytics/incidents?since=yesterday-ish' });
    expect(badTime.statusCode).toBe(400);
    expect(badTime.body).toContain('since');
    const badKind = await app.inject({ method: 'GET', url: '/api/analytics/incidents?kind=outage' });
    expect(badKind.statusCode).toBe(400);
    expect(badKind.body).toContain('kind');
  });

  it("puts the SLOs' recording rules into rules.yaml, after the engine's rules", async () => {
    await setUp();
    for (const rule of analytics.alertRules()) f.alerts.add(rule);
    const yaml = await app.inject({ method: 'GET', url: '/api/alerts/rules.yaml' });
    const groups = (parse(yaml.body) as { groups: Array<{ name: string; rules: Array<{ record?: string; alert?: string; expr: string }> }> }).groups;
    expect(groups.map((g) => g.name)).toEqual(['bulwark', 'bulwark-slo-exchange-available']);
    expect(groups[0]!.rules.map((r) => r.alert)).toContain('slo-exchange-available-page-1h');
    expect(groups[0]!.rules.find((r) => r.alert === 'slo-exchange-available-page-1h')!.expr).toBe('max(bulwark_slo_burn_ratio{slo="exchange-available",alert="page-1h"}) >= 1');
    expect(new Set(groups[1]!.rules.map((r) => r.record))).toEqual(new Set(['bulwark_slo_error_ratio', 'bulwark_slo_calls', 'bulwark_slo_burn_ratio', 'bulwark_slo_error_budget_remaining_ratio']));
  });

  it('answers 404 when the service has no analytics', async () => {
    f = await fixture();
    analytics = await analyticsService({ storage: f.storage, clock: f.clock });
    app = await buildApp(f.components, { webRoot: join(tmpdir(), 'no-dashboard'), bindTimeline: false });
    expect((await app.inject({ method: 'GET', url: '/api/analytics/slos' })).statusCode).toBe(404);
  });
});
