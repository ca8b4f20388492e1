/**
 * The dashboard's analytics section in real headless Chromium over the demo (its analytics on, as
 * `bulwark start` serves it, signed in by the printed link): the demo's SLOs show with their budget
 * left and burn rates, and a breaker isolated then released over the API (a forced fault, not a
 * wait for one) shows as an incident with its duration and the dependency's MTTR; the tuning
 * advice shows every rule the advisor judged, the recommended ones with their replay. Waits are on
 * page conditions, never on fixed sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { demoSlos } from '../../src/demo/slos.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { chromiumAvailable, demoAuth, inPage, launchChromium, servedAt, watchedPage } from '../support/browser.js';
import { describeWith } from '../support/services.js';

const available = await chromiumAvailable();
const BREAKER = 'binance:account';

describeWith(available, 'dashboard analytics section in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let demo: Demo | undefined;
  let app: OpsApp | undefined;
  let url: string;
  let token: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-dashboard-analytics-'));
    const webRoot = await buildWeb(join(dir, 'web'));
    browser = await launchChromium();
    const dataDir = join(dir, 'data');
    demo = await startDemo({ dataDir, tickMs: 500, faultQuietMs: 0 });
    const security = await demoAuth(demo.storage, dataDir);
    app = await buildApp(demo.components, { webRoot, snapshotMs: 250, auth: security.auth });
    url = await servedAt(app);
    token = security.demoToken!;
  }, 55_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await demo?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('shows the SLOs with budget and burn rates, and a forced breaker fault as an incident with MTTR', async () => {
    const problems: string[] = [];
    const page = await watchedPage(browser, problems, { viewport: { width: 1400, height: 2400 } });
    // What the page's advice block is built from: its own answer of GET /api/analytics/recommendations.
    const adviceAnswer = page.waitForResponse((r) => r.url().includes('/api/analytics/recommendations'), { timeout: 30_000 });
    await page.goto(`${url}?token=${token}`);
    await page.waitForFunction(inPage`document.getElementById('whoami')?.textContent === 'demo (admin)'`);
    await page.waitForSelector('#analytics:not([hidden])');

    // Every demo SLO has its row, with the budget left and the burn rate of each alert window.
    for (const slo of demoSlos) await page.waitForSelector(`#analytics-slos tr[data-slo="${slo.name}"]`);
    const row = await page.textContent(`#analytics-slos tr[data-slo="orders-available"]`);
    expect(row).toContain(`${demoSlos.find((s) => s.name === 'orders-available')!.objectivePercent}% / 7 d`);
    expect(row).toMatch(/page-1h .+ page-6h .+ ticket-1d .+ ticket-3d/);
    expect(await page.textContent(`#analytics-slos tr[data-slo="orders-available"] .budget-left`)).toMatch(/-?\d+\.\d%$/);
    expect(await page.locator('#analytics-slos .budget-fill').count()).toBe(demoSlos.length);

    // A forced fault: the breaker isolated, then released, over the API.
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const path = (action: string) => new URL(`api/breakers/${encodeURIComponent(BREAKER)}/${action}`, url);
    expect((await fetch(path('isolate'), { method: 'POST', headers, body: JSON.stringify({ reason: 'analytics drill' }) })).status).toBe(200);
    await page.waitForSelector(`#analytics-incidents tr[data-kind="breaker-open"][data-dependency="${BREAKER}"][data-open="true"]`, { timeout: 15_000 });
    expect((await fetch(path('release'), { method: 'POST', headers, body: JSON.stringify({ reason: 'drill over' }) })).status).toBe(200);
    await page.waitForSelector(`#analytics-incidents tr[data-kind="breaker-open"][data-dependency="${BREAKER}"][data-open="false"]`, { timeout: 15_000 });
    // The dependency's reliability row: one outage and its MTTR, a duration.
    await page.waitForSelector(`#analytics-reliability tr[data-dependency="${BREAKER}"] .mttr`, { timeout: 15_000 });
    expect(await page.textContent(`#analytics-reliability tr[data-dependency="${BREAKER}"] .mttr`)).toMatch(/^\d+(\.\d)? (ms|s|min)$/);
    const reliability = await page.textContent(`#analytics-reliability tr[data-dependency="${BREAKER}"]`);
    expect(reliability).toMatch(/^binance:account1/);

    // The page and the API agree.
    const listed = (await (await fetch(new URL('api/analytics/incidents', url), { headers })).json()) as { incidents: Array<{ kind: string; dependency: string; endedAt: number | null }>; reliability: Array<{ dependency: string; mttrMs: number | null }> };
    expect(listed.incidents.some((i) => i.kind === 'breaker-open' && i.dependency === BREAKER && i.endedAt !== null)).toBe(true);
    expect(listed.reliability.find((r) => r.dependency === BREAKER)?.mttrMs).toBeGreaterThan(0);
    // The tuning advice: every rule the API judged is on the page, as a recommendation with its replay or on the "also judged" line.
    await page.waitForSelector('#analytics-advice-block:not([hidden])', { timeout: 15_000 });
    const advice = (await (await adviceAnswer).json()) as { recommendations: Array<{ id: string; rule: string; dependency: string; status: string }> };
    expect(advice.recommendations.length).toBeGreaterThan(0);
    const recommended = advice.recommendations.filter((r) => r.status === 'recommended');
    for (const r of recommended) expect(await page.textContent(`#analytics-advice tr[data-advice="${r.id}"] .replay-proposed`)).toMatch(/failed, p99/);
    const rest = (await page.textContent('#analytics-advice-rest')) ?? '';
    for (const r of advice.recommendations.filter((x) => x.status !== 'recommended')) expect(rest).toContain(`${r.rule} of ${r.dependency}: ${r.status}`);
    expect(problems).toEqual([]);
  }, 60_000);
});
