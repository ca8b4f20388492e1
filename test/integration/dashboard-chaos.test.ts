/**
 * The dashboard's chaos section in real headless Chromium over the demo with chaos on and
 * authentication as `bulwark start` serves it (the browser signed in by the printed link, so the
 * abort goes through the session and its CSRF token): a shipped experiment started over the API
 * shows live (its step, its probes, time left), the Abort button asks for a reason, aborts it, and
 * the run ends with the verdict `aborted` in the live box and the run list. Without chaos the API answers 404 and the section stays hidden. Waits are on page
 * conditions, never on fixed sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { chromiumAvailable, demoAuth, inPage, launchChromium, servedAt, watchedPage } from '../support/browser.js';
import { describeWith } from '../support/services.js';

const available = await chromiumAvailable();

describeWith(available, 'dashboard chaos section in headless Chromium', () => {
  let dir: string;
  let webRoot: string;
  let browser: Browser;
  const opened: Array<{ demo: Demo; app: OpsApp }> = [];

  /** A demo served as `bulwark start` does: with the demo's admin token, returned with the URL. */
  async function serve(chaos: boolean): Promise<{ url: string; token: string }> {
    const dataDir = join(dir, `data-${opened.length}`);
    const demo = await startDemo({ dataDir, tickMs: 500, faultQuietMs: 0, chaos });
    const security = await demoAuth(demo.storage, dataDir);
    const app = await buildApp(demo.components, { webRoot, snapshotMs: 250, auth: security.auth });
    opened.push({ demo, app });
    return { url: await servedAt(app), token: security.demoToken! };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-dashboard-chaos-'));
    webRoot = await buildWeb(join(dir, 'web'));
    browser = await launchChromium();
  }, 55_000);

  afterAll(async () => {
    await browser?.close();
    for (const { app, demo } of opened) {
      await app.close();
      await demo.stop();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('follows a running experiment live and aborts it with the button', async () => {
    const { url, token } = await serve(true);
    const problems: string[] = [];
    const page = await watchedPage(browser, problems, { viewport: { width: 1400, height: 2400 } });
    await page.goto(`${url}?token=${token}`);
    await page.waitForFunction(inPage`document.getElementById('whoami')?.textContent === 'demo (admin)'`);
    await page.waitForSelector('#chaos:not([hidden])');
    await page.waitForSelector('#chaos-experiments li[data-experiment="exchange-maintenance"]');

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    // A change needs the token: without it the API refuses to start one.
    expect((await fetch(new URL('api/chaos/experiments', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"exchange-maintenance"}' })).status).toBe(401);
    const started = await fetch(new URL('api/chaos/experiments', url), { method: 'POST', headers, body: JSON.stringify({ name: 'exchange-maintenance' }) });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };

    // Live: the run is followed, with its step, probes and time left.
    await page.waitForFunction(inPage`document.getElementById('chaos-live')?.dataset.run === ${JSON.stringify(id)} && document.getElementById('chaos-live').dataset.status === 'running'`);
    await page.waitForFunction(inPage`document.querySelectorAll('#chaos-live-probes tr').length > 0`);
    expect(await page.textContent('#chaos-live-title')).toBe('Exchange maintenance window');
    expect(await page.textContent('#chaos-live-left')).toMatch(/^\d+ s$/);
    await page.waitForFunction(inPage`document.getElementById('chaos-live-step').textContent.includes('exchange-maintenance')`);

    // Abort asks for a reason, then stops the run.
    await page.click('#chaos-abort');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.fill('#confirm-reason', 'drill over');
    await page.click('#confirm-ok');
    await page.waitForFunction(inPage`document.getElementById('chaos-live')?.dataset.status === 'aborted'`);
    expect(await page.textContent('#chaos-live-verdict')).toContain('verdict aborted');
    expect(await page.isHidden('#chaos-abort')).toBe(true);
    await page.waitForSelector(`#chaos-runs tr[data-run="${id}"][data-status="aborted"]`);

    const status = (await (await fetch(new URL(`api/chaos/runs/${id}`, url))).json()) as { status: string };
    expect(status.status).toBe('aborted');
    const timeline = opened[0]!.demo.components.events.timeline({ limit: 100 }).map((e) => e.message);
    expect(timeline).toContain(`chaos run ${id} aborted: drill over`);
    expect(problems).toEqual([]);
  }, 40_000);

  it('stays hidden when chaos is off, and never asks for it (no 404 in the console)', async () => {
    const { url, token } = await serve(false);
    expect((await fetch(new URL('api/chaos/runs', url))).status).toBe(404);
    const problems: string[] = [];
    const page = await watchedPage(browser, problems);
    const chaosRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/chaos/')) chaosRequests.push(r.url());
    });
    await page.goto(`${url}?token=${token}`);
    await page.waitForSelector('#security:not([hidden])');
    // Two overviews rendered (the first and one snapshot): each says whether experiments run.
    await page.waitForSelector('body[data-updated-at]');
    const first = await page.getAttribute('body', 'data-updated-at');
    await page.waitForFunction(inPage`document.body.dataset.updatedAt !== ${JSON.stringify(first)}`);
    expect(await page.isHidden('#chaos')).toBe(true);
    expect(chaosRequests).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);
});
