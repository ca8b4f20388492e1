/**
 * The dashboard with authentication, as `bulwark start` serves the demo, in real headless Chromium:
 * reads from this machine show without a token; a change answered 401 brings up the sign-in form;
 * signed in (session cookie), the halt button works (the page sends the CSRF header); sign-out ends
 * the session; the printed link `/?token=` signs a browser in and leaves the address bar clean.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { chromiumAvailable, demoAuth, inPage, launchChromium, servedAt } from '../support/browser.js';
import { describeWith } from '../support/services.js';

/** A page condition as a function (the page's CSP forbids evaluating strings). */
/** The token with its last character changed (always a different token: a fixed replacement could equal it). */
const tamper = (token: string): string => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
const available = await chromiumAvailable();

/** Clicks a gate button and confirms the dialog with a reason (halt and resume ask for one). */
async function gate(page: Page, button: '#gate-halt' | '#gate-resume'): Promise<void> {
  await page.click(button);
  await page.waitForSelector('#confirm-dialog[open]');
  await page.fill('#confirm-reason', 'sign-in test');
  await page.click('#confirm-ok');
}

describeWith(available, 'dashboard sign-in in headless Chromium', () => {
  let dir: string;
  let demo: Demo;
  let app: OpsApp;
  let browser: Browser;
  let url: string;
  let token: string;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-dashboard-login-'));
    const webRoot = await buildWeb(join(dir, 'web'));
    demo = await startDemo({ dataDir: join(dir, 'data'), tickMs: 250, faultQuietMs: 0 });
    const security = await demoAuth(demo.storage, join(dir, 'data'));
    token = security.demoToken!;
    app = await buildApp(demo.components, { webRoot, snapshotMs: 250, auth: security.auth });
    url = await servedAt(app);
    browser = await launchChromium();
  }, 55_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await demo?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it('reads show without a token; a halt asks for one; signed in, halt works; sign-out ends the session', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    try {
      await page.goto(url);
      await page.waitForFunction(inPage`document.getElementById('gate-mode')?.textContent === 'active'`);
      expect(await page.isHidden('#login')).toBe(true);
      await gate(page, '#gate-halt');
      await page.waitForSelector('#login', { state: 'visible' });
      expect(demo.gate.mode).toBe('active');

      await page.fill('#login-token', tamper(token));
      await page.click('#login button[type="submit"]');
      await page.waitForFunction(inPage`document.getElementById('login-error')?.textContent.includes('not valid')`);

      await page.fill('#login-token', token);
      await page.click('#login button[type="submit"]');
      await page.waitForFunction(inPage`document.getElementById('whoami')?.textContent === 'demo (admin)'`);
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'bulwark_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await page.evaluate(inPage`document.cookie` as unknown as () => string)).not.toContain('bulwark_session');

      await gate(page, '#gate-halt');
      await expect.poll(() => demo.gate.mode).toBe('halted');
      await gate(page, '#gate-resume');
      await expect.poll(() => demo.gate.mode).toBe('active');

      await page.click('#sign-out');
      await page.waitForSelector('#sign-in', { state: 'visible' });
      expect((await page.context().cookies()).some((c) => c.name === 'bulwark_session' && c.value !== '')).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the printed link signs the browser in and leaves no token in the address bar', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}?token=${token}`);
      await page.waitForFunction(inPage`document.getElementById('whoami')?.textContent === 'demo (admin)'`);
      expect(page.url()).toBe(url);
      await gate(page, '#gate-halt');
      await expect.poll(() => demo.gate.mode).toBe('halted');
      await gate(page, '#gate-resume');
      await expect.poll(() => demo.gate.mode).toBe('active');
    } finally {
      await page.close();
    }
  });
});
