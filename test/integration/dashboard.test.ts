/**
 * The dashboard in real headless Chromium (Debian's /usr/bin/chromium through playwright-core),
 * over the demo running in this process: the page loads with no console errors, live values
 * change while the bot trades, the breaker and gate controls change the server's state, and a
 * screenshot is written to test-results/. Waits are on page conditions, never on fixed sleeps.
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { chromiumAvailable, inPage, launchChromium, servedAt, watchedPage } from '../support/browser.js';
import { describeWith } from '../support/services.js';

const available = await chromiumAvailable();

describeWith(available, 'dashboard in headless Chromium', () => {
  let dir: string;
  let demo: Demo;
  let app: OpsApp;
  let browser: Browser;
  let page: Page;
  let url: string;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-dashboard-'));
    const webRoot = await buildWeb(join(dir, 'web'));
    // No injected faults: the test drives state changes itself.
    demo = await startDemo({ dataDir: join(dir, 'data'), tickMs: 250, faultQuietMs: 0 });
    app = await buildApp(demo.components, { webRoot, snapshotMs: 250 });
    url = await servedAt(app);
    browser = await launchChromium();
    page = await watchedPage(browser, problems, { viewport: { width: 1400, height: 1800 } });
    page.on('requestfailed', (request) => {
      // The event stream is cut when the page closes; anything else failing is a problem.
      if (!request.url().endsWith('/api/events')) problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`);
    });
  }, 55_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await demo?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it('loads with no console errors and shows the health score, the gate and the dependency tiles', async () => {
    await page.goto(url);
    await page.waitForFunction(inPage`/^\\d+$/.test(document.getElementById('health-score')?.textContent ?? '')`);
    await page.waitForSelector('[data-breaker="binance:orders"]');
    await page.waitForFunction(inPage`document.getElementById('connection')?.textContent === 'live'`);
    expect(await page.textContent('#gate-mode')).toBe('active');
    expect(await page.locator('.tile').count()).toBe(4);
    expect(problems).toEqual([]);
  });

  it('updates live values over the event stream while the demo trades', async () => {
    const ordersText = `document.querySelectorAll('#orders-body tr').length + ':' + (document.querySelector('#orders-body tr')?.textContent ?? '')`;
    const ordersBefore = await page.evaluate<string>(ordersText);
    const stampBefore = await page.evaluate<string>('document.body.dataset.updatedAt');
    await page.waitForFunction(inPage`document.body.dataset.updatedAt !== ${JSON.stringify(stampBefore)}`);
    await page.waitForFunction(inPage`${ordersText} !== ${JSON.stringify(ordersBefore)}`);
    await page.waitForFunction(inPage`Number(document.querySelector('[data-breaker="binance:all"] .rate')?.textContent) > 0`);
    expect(problems).toEqual([]);
  });

  /** Confirms the open dialog with a reason (destructive actions ask for one). */
  async function confirmWith(reason: string): Promise<void> {
    await page.waitForSelector('#confirm-dialog[open]');
    await page.fill('#confirm-reason', reason);
    await page.click('#confirm-ok');
  }

  it('isolate and reset clicks ask for a reason, then change the breaker on the server, and the tile follows', async () => {
    const name = 'binance:account';
    const breaker = demo.components.breakers!.breakers().find((b) => b.name === name)!;
    const tile = page.locator(`[data-breaker="${name}"]`);
    await tile.locator('button[data-action="isolate"]').click();
    await confirmWith('exchange maintenance');
    await expect.poll(() => breaker.state).toBe('isolated');
    await page.waitForFunction(inPage`document.querySelector('[data-breaker="${name}"]')?.getAttribute('data-state') === 'isolated'`);
    await tile.locator('button[data-action="reset"]').click();
    await confirmWith('maintenance over');
    await expect.poll(() => breaker.state).toBe('closed');
    await page.waitForFunction(inPage`document.querySelector('[data-breaker="${name}"]')?.getAttribute('data-state') === 'closed'`);
    await page.waitForFunction(inPage`[...document.querySelectorAll('#timeline-list li')].some((li) => li.textContent.includes('breaker reset by operator: maintenance over'))`);
    expect(problems).toEqual([]);
  });

  it('halt asks for a reason: cancelled or left empty nothing happens; confirmed, the gate moves with that reason', async () => {
    await page.click('#gate-halt');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.click('#confirm-cancel');
    await page.click('#gate-halt');
    await page.click('#confirm-ok'); // empty reason: the form does not submit
    expect(await page.evaluate(`document.getElementById('confirm-dialog').open`)).toBe(true);
    await page.click('#confirm-cancel');
    expect(demo.gate.mode).toBe('active');

    await page.click('#gate-halt');
    await confirmWith('stale prices on binance');
    await expect.poll(() => demo.gate.mode).toBe('halted');
    expect(demo.gate.status.reason).toContain('stale prices on binance');
    await page.waitForFunction(inPage`document.getElementById('gate-mode')?.textContent === 'halted'`);
    await page.click('#gate-resume');
    await confirmWith('prices are back');
    await expect.poll(() => demo.gate.mode).toBe('active');
    await page.waitForFunction(inPage`document.getElementById('gate-mode')?.textContent === 'active'`);
    expect(problems).toEqual([]);
  });

  it('the page is served with a CSP that forbids framing, and runs under it', async () => {
    const response = await page.goto(url);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    await page.waitForFunction(inPage`/^\\d+$/.test(document.getElementById('health-score')?.textContent ?? '')`);
    expect(problems).toEqual([]);
  });

  it('writes a screenshot', async () => {
    await mkdir('test-results', { recursive: true });
    const file = join('test-results', 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    await expect(access(file)).resolves.toBeUndefined();
  });

  it('a server without a gate (no exchange account configured) shows none and no Halt/Resume buttons', async () => {
    const { componentsFromConfig } = await import('../../src/server/configured.js');
    const { loadConfig } = await import('../../src/config/loader.js');
    const configured = await componentsFromConfig(loadConfig({ environment: {}, readFile: () => undefined, overrides: { dataDir: join(dir, 'configured') } }).config);
    const plain = await buildApp(configured.components, { webRoot: join(dir, 'web'), snapshotMs: 250 });
    await plain.listen({ port: 0, host: '127.0.0.1' });
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(plain.server.address() as { port: number }).port}/`);
      await other.waitForFunction(inPage`document.getElementById('gate-mode')?.textContent === 'none'`);
      expect(await other.isHidden('#gate-halt')).toBe(true);
      expect(await other.isHidden('#gate-resume')).toBe(true);
    } finally {
      await other.close();
      await plain.close();
      await configured.close();
    }
  });
});
