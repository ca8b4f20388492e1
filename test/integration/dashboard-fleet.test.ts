/**
 * The dashboard's fleet section in headless Chromium, over an ops server whose fleet holds two
 * in-process members on the real Redis: both instances are listed, "Halt fleet" halts both bots
 * and the table shows them halted, "Resume fleet" brings them back. Waits are on page and
 * member conditions, never on fixed sleeps.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { fleetControl } from '../../src/fleet/index.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { type Bot, bot, nextEvent } from '../fleet/fleet-support.js';
import { chromiumAvailable, inPage, launchChromium } from '../support/browser.js';
import { describeWith, probeRedis, redisUrl, requireService, sharedRedis } from '../support/services.js';

const available = (await chromiumAvailable()) && (await requireService('Redis', probeRedis));

describeWith(available, 'dashboard fleet section in headless Chromium', () => {
  const prefix = `test:fleet-dashboard:${randomUUID()}:`;
  const shared = sharedRedis(prefix);
  let dir: string;
  let app: OpsApp;
  let browser: Browser;
  let page: Page;
  let bots: Bot[] = [];
  const clients: Redis[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-fleet-dashboard-'));
    const webRoot = await buildWeb(join(dir, 'web'));
    bots = ['bot-a', 'bot-b'].map((id) => {
      const c = new Redis(redisUrl);
      clients.push(c);
      return bot(c, prefix, id, { version: '2.0.0', ...(id === 'bot-a' ? { duties: () => ['orders:binance'] } : {}) });
    });
    await Promise.all(bots.map((b) => b.member.ready));
    app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), fleet: fleetControl({ redis: shared.client, prefix }) }, { webRoot, snapshotMs: 250 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Sections whose component this server lacks answer 404 on purpose (alert rules); anything else is a problem.
      if (message.type() === 'error' && !message.text().includes('404')) problems.push(`console: ${message.text()}`);
    });
    await page.goto(`http://127.0.0.1:${port}/`);
  }, 55_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all(bots.map((b) => b.member.leave()));
    for (const c of clients) c.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it('lists both instances, live, with their version and gate', async () => {
    await page.waitForFunction(inPage`document.querySelectorAll('#fleet-body tr').length === 2`);
    expect(await page.isVisible('#fleet')).toBe(true);
    expect(await page.textContent('#fleet-name')).toBe('default');
    const rows = await page.$$eval('#fleet-body tr', (trs) => trs.map((tr) => [tr.getAttribute('data-instance'), tr.querySelector('.status')?.textContent, tr.querySelector('.gate')?.textContent]));
    expect(rows).toEqual([
      ['bot-a', 'live', 'active'],
      ['bot-b', 'live', 'active'],
    ]);
    expect(await page.textContent('#fleet-body tr')).toContain('2.0.0');
    // The leader of a duty is marked, with the duty in its title.
    const leaders = await page.$$eval('#fleet-body .badge-leader', (badges) => badges.map((b) => [b.closest('tr')?.getAttribute('data-instance'), b.getAttribute('title')]));
    expect(leaders).toEqual([['bot-a', 'leader of orders:binance']]);
    expect(problems).toEqual([]);
  });

  it('"Halt fleet" halts both bots and the table follows; "Resume fleet" resumes them', async () => {
    const halted = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'halt'));
    await page.click('#fleet-halt-all');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.fill('#confirm-reason', 'fleet halted from the dashboard');
    await page.click('#confirm-ok');
    await Promise.all(halted);
    for (const b of bots) expect(b.gate.mode).toBe('halted');
    await page.waitForFunction(inPage`[...document.querySelectorAll('#fleet-body .gate')].every((td) => td.textContent === 'halted')`);
    await page.waitForFunction(inPage`document.getElementById('fleet-halt')?.textContent?.includes('fleet halted from the dashboard')`);

    const resumed = bots.map((b) => nextEvent(b.member, 'command', (e) => e.type === 'resume'));
    await page.click('#fleet-resume-all');
    await page.waitForSelector('#confirm-dialog[open]');
    await page.fill('#confirm-reason', 'fleet resumed from the dashboard');
    await page.click('#confirm-ok');
    await Promise.all(resumed);
    for (const b of bots) expect(b.gate.mode).toBe('active');
    await page.waitForFunction(inPage`[...document.querySelectorAll('#fleet-body .gate')].every((td) => td.textContent === 'active')`);
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: join('test-results', 'dashboard-fleet.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
