/**
 * The dashboard's security section in real headless Chromium over the demo: findings raised by
 * the detection rules (a kill switch released seconds after the halt, brute force from one address)
 * appear with the lockout they caused and the last audit-chain verification, with no console
 * errors. Waits are on page conditions, never on fixed sleeps.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { chromiumAvailable, launchChromium, servedAt, watchedPage } from '../support/browser.js';
import { describeWith } from '../support/services.js';

const available = await chromiumAvailable();

describeWith(available, 'dashboard security section in headless Chromium', () => {
  let dir: string;
  let demo: Demo;
  let app: OpsApp;
  let browser: Browser;
  let page: Page;
  let url: string;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-dashboard-security-'));
    const webRoot = await buildWeb(join(dir, 'web'));
    demo = await startDemo({ dataDir: join(dir, 'data'), tickMs: 500, faultQuietMs: 0 });
    app = await buildApp(demo.components, { webRoot, snapshotMs: 250 });
    url = await servedAt(app);
    browser = await launchChromium();
    page = await watchedPage(browser, problems, { viewport: { width: 1400, height: 2400 } });
  }, 55_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await demo?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it('shows findings, the lockout they caused and the audit log verified', async () => {
    const threats = demo.components.threats!;
    const post = (path: string, body: unknown) => fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('api/gate/halt', { reason: 'drill' })).status).toBe(200);
    expect((await post('api/gate/resume', { reason: 'drill over' })).status).toBe(200);
    for (let i = 0; i < 20; i++) threats.lockout!.failure('198.51.100.23', 'failed-login');
    await threats.detector.settled();

    await page.goto(url);
    await page.waitForSelector('#security:not([hidden])');
    await page.waitForSelector('#security-body tr[data-rule="kill-switch-release"]');
    await page.waitForSelector('#security-body tr[data-rule="brute-force"]');
    await page.waitForFunction(`document.getElementById('security-audit')?.dataset.ok === 'true'`);
    expect(await page.textContent('#security-lockout-count')).toBe('1');
    expect(await page.textContent('#security-lockouts')).toContain('198.51.100.23');
    expect(await page.textContent('#security-body tr[data-rule="brute-force"]')).toContain('critical');
    // The alerts they raised are on the alert rules table too.
    await page.waitForFunction(`[...document.querySelectorAll('#rules-body tr')].some((tr) => tr.textContent.includes('SecurityKillSwitchReleased') && tr.textContent.includes('firing'))`);
    await mkdir('test-results', { recursive: true });
    await page.locator('#security').screenshot({ path: join('test-results', 'dashboard-security.png') });
    expect(problems).toEqual([]);
  }, 30_000);
});
