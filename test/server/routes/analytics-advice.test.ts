/**
 * /api/analytics/recommendations and applying one, over a recorded outage (SQLite, ManualClock)
 * and the real replay: the advice with both replays and the diff; 409 with the diff where no
 * runtime update exists; applied live through a RuntimeConfig, on the timeline.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { adviceService } from '../../../src/analytics/advisor/advice-service.js';
import { tuningAdvisor } from '../../../src/analytics/advisor/advisor.js';
import { analyticsService, type AnalyticsService } from '../../../src/analytics/index.js';
import type { PolicySettings } from '../../../src/analytics/replay/types.js';
import { runtimeConfig } from '../../../src/config/runtime.js';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.js';
import { type AuditLog, type ChainedEntry, auditLog } from '../../../src/security/audit-log.js';
import { type OpsApp, buildApp } from '../../../src/server/app.js';
import { testKey } from '../../security/audit-tampering.js';
import { recordedTraffic } from '../../analytics/advisor/recorded-traffic.js';
import { type LivePolicies, livePolicies } from '../../../src/server/live-policies.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import { presetBreakerOptions } from '../../../src/trading/presets.js';
import { offlineBinance } from '../../trading/support/offline-binance.js';
import { type Fixture, fixture } from '../fixture.js';

const dependency = 'binance:marketData';
const bad: PolicySettings = { timeout: { ms: 10_000 }, retry: { maxAttempts: 5, retryBudget: false }, breaker: { failureRateThreshold: 0.5, minimumCalls: 20, openMs: 30_000 } };

let f: Fixture;
let app: OpsApp;
let analytics: AnalyticsService;
let traffic: Awaited<ReturnType<typeof recordedTraffic>>;
afterEach(async () => {
  await app.close();
  await analytics.close();
  await traffic.close();
  await f.close();
});

let audit: AuditLog | undefined;

async function setUp(live?: Parameters<typeof adviceService>[0]['live'], policies?: LivePolicies): Promise<void> {
  f = await fixture();
  audit = await auditLog(f.storage, { key: testKey(), clock: f.clock });
  analytics = await analyticsService({ storage: f.storage, clock: f.clock });
  traffic = await recordedTraffic({ dependency, minutes: 40, perSecond: 2, medianMs: 40, baselineFailure: 0.005, outage: { fromMinute: 20, minutes: 5 }, recordedTimeoutMs: 10_000 });
  const advice = adviceService({ advisor: tuningAdvisor({ reader: traffic.reader, current: bad }, { clock: traffic.clock }), clock: traffic.clock, ...(live ? { live } : {}) });
  app = await buildApp({ ...f.components, analytics, advice, audit, ...(policies ? { livePolicies: policies } : {}) }, { webRoot: join(tmpdir(), 'no-dashboard'), bindTimeline: false });
}

interface Advice {
  recommendations: Array<{ id: string; status: string; evidence: Record<string, unknown>; replay?: { better: boolean; current: { p99Ms: number }; proposed: { p99Ms: number } }; changes: Array<{ key?: string; to: unknown }> }>;
  configDiff: { entries: Array<{ key: string; from: unknown; to: unknown }> };
}

describe('analytics advice routes', () => {
  it('serves the recommendations with their evidence, both replays and the diff', async () => {
    await setUp();
    const res = await app.inject({ method: 'GET', url: `/api/analytics/recommendations?since=${traffic.startMs}&dependency=${encodeURIComponent(dependency)}` });
    expect(res.statusCode).toBe(200);
    const advice = res.json<Advice>();
    const timeout = advice.recommendations.find((r) => r.id === `timeout:${dependency}`)!;
    expect(timeout.status).toBe('recommended');
    expect(timeout.evidence).toHaveProperty('p99_9Ms');
    expect(timeout.replay!.proposed.p99Ms).toBeLessThan(timeout.replay!.current.p99Ms);
    expect(advice.configDiff.entries).toContainEqual({ key: 'policies.timeout.ms', from: 10_000, to: timeout.changes[0]!.to, from_recommendations: [timeout.id], conflicts: [] });

    const wrong = await app.inject({ method: 'GET', url: `/api/analytics/recommendations?since=${traffic.endMs}&until=${traffic.startMs}` });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toMatch(/since/);
  });

  it('answers 409 with the diff when no runtime update exists, and 404 for an unknown id', async () => {
    await setUp();
    await app.inject({ method: 'GET', url: `/api/analytics/recommendations?since=${traffic.startMs}` });
    const res = await app.inject({ method: 'POST', url: `/api/analytics/recommendations/${encodeURIComponent(`timeout:${dependency}`)}/apply`, payload: { reason: 'p99.9 is 113 ms' } });
    expect(res.statusCode).toBe(409);
    const body = res.json<{ detail: string; diff: string }>();
    expect(body.detail).toMatch(/restart/);
    expect(body.diff).toMatch(/timeout:\n {4}ms: \d+ {2}# was 10000/);
    const unknown = await app.inject({ method: 'POST', url: '/api/analytics/recommendations/timeout:nothing/apply' });
    expect(unknown.statusCode, unknown.body).toBe(404);
    expect(f.events.timeline().filter((e) => e.message.includes('tuning applied'))).toEqual([]);
  });

  it('applies a recommendation live where a runtime update exists, on the timeline; a library option still needs a restart', async () => {
    const runtime = runtimeConfig(CONFIG_DEFAULTS);
    await setUp({ runtime, paths: ['policies.timeout.ms'] });
    const advice = (await app.inject({ method: 'GET', url: `/api/analytics/recommendations?since=${traffic.startMs}` })).json<Advice>();
    const proposed = advice.recommendations.find((r) => r.id === `timeout:${dependency}`)!.changes[0]!.to;
    const written = new Promise<ChainedEntry>((resolve) => {
      const off = audit!.on('success', ({ entry }) => {
        off();
        resolve(entry);
      });
    });
    const res = await app.inject({ method: 'POST', url: `/api/analytics/recommendations/${encodeURIComponent(`timeout:${dependency}`)}/apply`, payload: { reason: 'replayed better', actor: 'alice' } });
    expect(res.statusCode).toBe(200);
    expect(await written).toMatchObject({
      action: 'POST /api/analytics/recommendations/:id/apply',
      target: `timeout:${dependency}`,
      before: [{ key: 'policies.timeout.ms', value: 10_000 }],
      after: [{ key: 'policies.timeout.ms', value: proposed }],
      status: 200,
    });
    expect(res.json()).toMatchObject({ applied: true, changes: [{ path: 'policies.timeout.ms', from: 10_000, to: proposed, actor: 'alice', reason: 'replayed better' }] });
    expect(runtime.get('policies.timeout.ms')).toBe(proposed);
    expect(f.events.timeline().some((e) => e.kind === 'operator' && e.subject === dependency && e.message.includes(`policies.timeout.ms 10000 -> ${String(proposed)}`))).toBe(true);
    const retry = await app.inject({ method: 'POST', url: `/api/analytics/recommendations/${encodeURIComponent(`retry:${dependency}`)}/apply` });
    expect(retry.statusCode).toBe(409);
    expect(retry.json<{ detail: string }>().detail).toMatch(/no runtime update exists for .*policies\.retry\.budget/);
  });

  it('with live policies: applied to the exchange at once, listed as a change in force, reverted to the file value', async () => {
    const live = livePolicies({ ...CONFIG_DEFAULTS, policies: { ...CONFIG_DEFAULTS.policies, timeout: { ms: 10_000 } } }, { presetWindow: presetBreakerOptions('exchangeApi').window!, onError: (m) => expect.fail(m) });
    const env = await offlineBinance();
    env.exchange.timeout = 10_000;
    const rex = resilientExchange(env.exchange, { clock: env.clock });
    live.attach(rex);
    await setUp({ runtime: live.runtime, paths: live.keys }, live);
    const advice = (await app.inject({ method: 'GET', url: `/api/analytics/recommendations?since=${traffic.startMs}` })).json<Advice>();
    const proposed = advice.recommendations.find((r) => r.id === `timeout:${dependency}`)!.changes[0]!.to as number;
    const res = await app.inject({ method: 'POST', url: `/api/analytics/recommendations/${encodeURIComponent(`timeout:${dependency}`)}/apply`, payload: { reason: 'replayed better', actor: 'alice' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(rex.exchange.timeout).toBe(proposed);
    // Applying it again: in force already.
    const again = await app.inject({ method: 'POST', url: `/api/analytics/recommendations/${encodeURIComponent(`timeout:${dependency}`)}/apply` });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ detail: string }>().detail).toMatch(/in force already/);

    const applied = (await app.inject({ method: 'GET', url: '/api/analytics/applied' })).json<{ overrides: Array<Record<string, unknown>>; history: unknown[] }>();
    expect(applied.overrides).toEqual([expect.objectContaining({ key: 'policies.timeout.ms', file: 10_000, value: proposed, actor: 'alice', reason: 'replayed better' })]);
    expect(applied.history).toHaveLength(1);

    const bad = await app.inject({ method: 'POST', url: '/api/analytics/applied/revert', payload: { key: 'server.port' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/body\.key|key/);
    const revert = await app.inject({ method: 'POST', url: '/api/analytics/applied/revert', payload: { key: 'policies.timeout.ms', reason: 'undo', actor: 'bob' } });
    expect(revert.statusCode, revert.body).toBe(200);
    expect(rex.exchange.timeout).toBe(10_000);
    expect(f.events.timeline().some((e) => e.message.startsWith('live change reverted by bob: policies.timeout.ms'))).toBe(true);
    expect((await app.inject({ method: 'POST', url: '/api/analytics/applied/revert', payload: { key: 'policies.timeout.ms' } })).statusCode).toBe(409);

    // Set by hand: checked against the whole configuration, then live.
    const invalid = await app.inject({ method: 'POST', url: '/api/analytics/applied', payload: { key: 'policies.retry.maxAttempts', value: 0, reason: 'test' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json<{ detail: string }>().detail).toMatch(/^body\.value: policies\.retry\.maxAttempts: /);
    expect((await app.inject({ method: 'POST', url: '/api/analytics/applied', payload: { key: 'policies.retry.maxAttempts', value: 2 } })).statusCode).toBe(400); // a reason is required
    const set = await app.inject({ method: 'POST', url: '/api/analytics/applied', payload: { key: 'policies.retry.maxAttempts', value: 2, reason: 'exchange flapping', actor: 'carol' } });
    expect(set.statusCode, set.body).toBe(200);
    expect(rex.currentSettings().maxAttempts).toBe(2);
    expect((await app.inject({ method: 'POST', url: '/api/analytics/applied', payload: { key: 'policies.retry.maxAttempts', value: 2, reason: 'again' } })).statusCode).toBe(409);
    live.close();
  });
});
