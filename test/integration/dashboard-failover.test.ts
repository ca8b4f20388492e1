/**
 * The dashboard's failover section in real headless Chromium, over the demo served as `bulwark
 * start` serves it (authentication on, the browser signed in by the printed link): the group's
 * three endpoints show with their state, the Drain button asks for a reason and drains one, which
 * then shows as drained and at the top of the history with the reason and who did it; a fault on
 * one of the demo's simulator endpoints (every request answered 503) gets it ejected, which the
 * table, the history (actor `automatic`) and the timeline show. A viewer sees the section without
 * any control. A screenshot of the section is written to test-results/.
 * Waits are on page conditions, never on fixed sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { failoverGroup } from '../../src/failover/failover-group.js';
import type { FailoverGroup } from '../../src/failover/types.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { chromiumAvailable, demoAuth, inPage, launchChromium, servedAt, watchedPage } from '../support/browser.js';
import { describeWith } from '../support/services.js';

const available = await chromiumAvailable();

describeWith(available, 'dashboard failover section in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let demo: Demo;
  let app: OpsApp;
  let url: string;
  let adminToken: string;
  let viewerToken: string;
  let group: FailoverGroup<string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-dashboard-failover-'));
    const webRoot = await buildWeb(join(dir, 'web'));
    browser = await launchChromium();
    const dataDir = join(dir, 'data');
    demo = await startDemo({ dataDir, tickMs: 500, faultQuietMs: 0 });
    // The demo's own group once it routes its exchange through endpoints; a group of three hosts otherwise.
    const own = demo.components.failover?.groups() ?? [];
    group = (own[0] as FailoverGroup<string> | undefined) ?? failoverGroup<string>({ name: 'sim:rest', endpoints: ['a', 'b', 'c'].map((n) => ({ name: `sim-${n}`, target: `http://sim-${n}.invalid` })) });
    const components = own.length > 0 ? demo.components : { ...demo.components, failover: { groups: () => [group] } };
    const security = await demoAuth(demo.storage, dataDir);
    adminToken = security.demoToken!;
    viewerToken = (await security.auth.tokens.create({ name: 'watcher', role: 'viewer' })).token;
    app = await buildApp(components, { webRoot, snapshotMs: 250, auth: security.auth });
    url = await servedAt(app);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await demo?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('shows the endpoints, drains one with a reason, and shows it drained and in the history', async () => {
    const problems: string[] = [];
    const page = await watchedPage(browser, problems, { viewport: { width: 1400, height: 2400 } });
    await page.goto(`${url}?token=${adminToken}`);
    await page.waitForFunction(inPage`document.getElementById('whoami')?.textContent === 'demo (admin)'`);
    await page.waitForSelector('#failover:not([hidden])');
    const rows = `#failover-groups article[data-group="${group.name}"] .failover-endpoints tbody tr`;
    await page.waitForFunction(inPage`document.querySelectorAll(${JSON.stringify(rows)}).length === 3`);
    const names = group.snapshot().endpoints.map((e) => e.name);
    expect(await page.$$eval(rows, (trs) => trs.map((tr) => tr.getAttribute('data-endpoint')))).toEqual(names);
    expect(await page.textContent(`#failover-groups article[data-group="${group.name}"] .active-priority`)).toBe(String(group.snapshot().activePriority));

    const target = names[1]!;
    await page.click(`#failover-groups button[data-action="drain"][data-endpoint="${target}"]`);
    await page.waitForSelector('#confirm-dialog[open]');
    expect(await page.textContent('#confirm-title')).toBe(`Drain ${target}`);
    await page.fill('#confirm-reason', 'host under maintenance');
    await page.click('#confirm-ok');

    await page.waitForSelector(`${rows}[data-endpoint="${target}"][data-state="drained"]`);
    expect(group.manual().drained).toEqual([target]);
    const latest = `#failover-groups article[data-group="${group.name}"] .failover-history tbody tr:first-child`;
    await page.waitForSelector(`${latest}[data-endpoint="${target}"][data-to="drained"]`);
    expect(await page.textContent(`${latest} .reason`)).toBe('operator: host under maintenance');
    expect(await page.textContent(`${latest} .actor`)).toBe('demo');
    // Drained, its button is Undrain now.
    await page.waitForSelector(`#failover-groups button[data-action="undrain"][data-endpoint="${target}"]`);
    const timeline = demo.components.events.timeline({ limit: 50 }).map((e) => e.message);
    expect(timeline).toContain(`failover: ${target} drained by demo: host under maintenance (now drained ${target})`);
    expect(problems).toEqual([]);
    await page.close();
  }, 40_000);

  it("shows an ejection after a fault on one of the demo's endpoints, in the table and the history", async () => {
    const problems: string[] = [];
    const page = await watchedPage(browser, problems, { viewport: { width: 1400, height: 2400 } });
    await page.goto(`${url}?token=${adminToken}`);
    await page.waitForSelector('#failover:not([hidden])');
    const names = group.snapshot().endpoints.map((e) => e.name);
    const target = names[2]!;
    const rows = `#failover-groups article[data-group="${group.name}"] .failover-endpoints tbody tr`;
    await page.waitForSelector(`${rows}[data-endpoint="${target}"][data-state="healthy"]`);
    // Every request to it answers 503 (the simulator's endpoint controls), so the bot's next calls there fail.
    await demo.endpoints.endpoint(target).setFaults({ errorStatus: 503, errorShare: 1 });
    try {
      await page.waitForSelector(`${rows}[data-endpoint="${target}"][data-state="ejected"]`, { timeout: 20_000 });
      const ejection = `#failover-groups article[data-group="${group.name}"] .failover-history tbody tr[data-endpoint="${target}"][data-to="ejected"]`;
      await page.waitForSelector(ejection);
      expect(await page.textContent(`${ejection} .reason`)).toMatch(/^consecutive-gateway-failures/);
      expect(await page.textContent(`${ejection} .actor`)).toBe('automatic');
      expect(Number(await page.textContent(`${rows}[data-endpoint="${target}"] .ejections`))).toBeGreaterThanOrEqual(1);
      const timeline = demo.components.events.timeline({ limit: 200 });
      expect(timeline.some((e) => e.kind === 'failover' && e.subject === group.name && e.message.startsWith(`${target} healthy → ejected`))).toBe(true);
      await page.locator('#failover').screenshot({ path: join('test-results', 'dashboard-failover.png') });
    } finally {
      await demo.endpoints.endpoint(target).setFaults({ errorShare: 0 });
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 40_000);

  it('a viewer sees the section without controls', async () => {
    const problems: string[] = [];
    const page = await watchedPage(browser, problems);
    await page.goto(`${url}?token=${viewerToken}`);
    await page.waitForFunction(inPage`document.getElementById('whoami')?.textContent === 'watcher (viewer)'`);
    await page.waitForSelector('#failover[data-operate="false"]:not([hidden])');
    await page.waitForSelector(`#failover-groups article[data-group="${group.name}"] .failover-endpoints tbody tr`);
    const visible = await page.$$eval('#failover-groups button', (buttons) => buttons.filter((b) => !b.hasAttribute('hidden')).length);
    expect(visible).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);
});
