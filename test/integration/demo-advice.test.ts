/**
 * The demo serves the tuning advice over its own exchange policies (as `bulwark start` without a
 * configuration does): the recording's dependencies and each rule's verdict per dependency; an
 * unknown id is refused. The demo runs briefly, so most verdicts are "no evidence" yet (the rules
 * need `minCalls`); the recommendations themselves are checked over recorded traces elsewhere.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';

describe('demo tuning advice', () => {
  let dir: string;
  let demo: Demo | undefined;
  let app: OpsApp | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-advice-'));
    demo = await startDemo({ dataDir: dir, tickMs: 200, faultQuietMs: 60_000 });
    app = await buildApp(demo.components, { webRoot: join(dir, 'none'), bindTimeline: false });
  }, 40_000);
  afterAll(async () => {
    await app?.close();
    await demo?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('judges the demo exchange policies over what the demo recorded', async () => {
    // Wait until the recorder has written some of the bot's calls (it flushes every 10 s).
    await expect
      .poll(async () => (await app!.inject({ method: 'GET', url: '/api/analytics/recommendations' })).json<{ dependencies: unknown[] }>().dependencies.length, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(0);
    const advice = (await app!.inject({ method: 'GET', url: '/api/analytics/recommendations' })).json<{ currentFrom: string; current: { timeout: { ms: number } }; dependencies: Array<{ dependency: string; calls: number }>; recommendations: Array<{ id: string; status: string }> }>();
    expect(advice.currentFrom).toBe("the demo's exchange policies (breakers: the exchangeApi preset window)");
    expect(advice.current.timeout.ms).toBe(2_000);
    expect(advice.dependencies.every((d) => d.dependency.startsWith('binance:') && d.calls > 0)).toBe(true);
    for (const d of advice.dependencies) for (const rule of ['timeout', 'breaker', 'retry']) expect(advice.recommendations.map((r) => r.id)).toContain(`${rule}:${d.dependency}`);
    const unknown = await app!.inject({ method: 'POST', url: '/api/analytics/recommendations/timeout:nothing/apply', payload: {} });
    expect(unknown.statusCode).toBe(404);
  }, 45_000);
});
