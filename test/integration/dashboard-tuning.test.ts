/**
 * Applying tuning advice from the dashboard in real headless Chromium. The service is built as the
 * advice route tests build it: a recorded outage (SQLite, ManualClock) judged by the tuning advisor
 * against the live policies in force, an offline exchange account attached to them, the built
 * dashboard served with authentication on. Apply asks for a reason and the exchange's timeout
 * changes at once, which the API's changes in force and the page's "Changed live" table show;
 * Revert from that table puts the configuration file's value back; applying what is in force
 * already shows the server's refusal. Without live policies, Apply shows the configuration diff
 * to restart with and there is no "Changed live" table. A viewer sees neither Apply nor Revert.
 * Waits are on page conditions, never on fixed sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { adviceService } from '../../src/analytics/advisor/advice-service.js';
import { tuningAdvisor } from '../../src/analytics/advisor/advisor.js';
import { analyticsService, type AnalyticsService } from '../../src/analytics/index.js';
import { CONFIG_DEFAULTS } from '../../src/config/schema.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { type LivePolicies, livePolicies } from '../../src/server/live-policies.js';
import { type ResilientExchange, resilientExchange } from '../../src/trading/exchange.js';
import { presetBreakerOptions } from '../../src/trading/presets.js';
import { recordedTraffic } from '../analytics/advisor/recorded-traffic.js';
import { type Fixture, fixture } from '../server/fixture.js';
import { chromiumAvailable, demoAuth, inPage, launchChromium, servedAt, watchedPage } from '../support/browser.js';
import { describeWith } from '../support/services.js';
import { offlineBinance } from '../trading/support/offline-binance.js';

const available = await chromiumAvailable();
const dependency = 'binance:marketData';
const ID = `timeout:${dependency}`;
const KEY = 'policies.timeout.ms';
const FILE_TIMEOUT_MS = 10_000;
/** Failed loads this service always has: it runs no security monitor. */
const ABSENT = ['404 /api/security/threats'];

interface Applied {
  keys: string[];
  overrides: Array<{ key: string; file?: unknown; value: unknown; actor: string; reason: string | null; at: number }>;
  history: Array<{ path: string; from: unknown; to: unknown; actor?: string; reason?: string }>;
}

describeWith(available, 'dashboard tuning advice: Apply and Changed live in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let f: Fixture;
  let analytics: AnalyticsService;
  let traffic: Awaited<ReturnType<typeof recordedTraffic>>;
  let live: LivePolicies;
  let exchange: ResilientExchange;
  let app: OpsApp;
  let url: string;
  let adminToken: string;
  let viewerToken: string;
  let webRoot: string;
  let auth: Awaited<ReturnType<typeof demoAuth>>['auth'];
  const extraApps: OpsApp[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-dashboard-tuning-'));
    webRoot = await buildWeb(join(dir, 'web'));
    browser = await launchChromium();
    f = await fixture();
    analytics = await analyticsService({ storage: f.storage, clock: f.clock });
    traffic = await recordedTraffic({ dependency, minutes: 40, perSecond: 2, medianMs: 40, baselineFailure: 0.005, outage: { fromMinute: 20, minutes: 5 }, recordedTimeoutMs: FILE_TIMEOUT_MS });
    live = livePolicies({ ...CONFIG_DEFAULTS, policies: { ...CONFIG_DEFAULTS.policies, timeout: { ms: FILE_TIMEOUT_MS } } }, { presetWindow: presetBreakerOptions('exchangeApi').window!, onError: (m) => expect.fail(m) });
    const env = await offlineBinance();
    env.exchange.timeout = FILE_TIMEOUT_MS;
    exchange = resilientExchange(env.exchange, { clock: env.clock });
    live.attach(exchange);
    // The advisor judges the settings in force, as the configured service's does: an applied change is no longer recommended.
    const advice = adviceService({ advisor: tuningAdvisor({ reader: traffic.reader, current: () => live.settings() }, { clock: traffic.clock }), clock: traffic.clock, live: { runtime: live.runtime, paths: live.keys } });
    const security = await demoAuth(f.storage, join(dir, 'data'));
    auth = security.auth;
    adminToken = security.demoToken!;
    viewerToken = (await auth.tokens.create({ name: 'watcher', role: 'viewer' })).token;
    app = await buildApp({ ...f.components, analytics, advice, livePolicies: live }, { webRoot, snapshotMs: 250, auth, bindTimeline: false });
    url = await servedAt(app);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const extra of extraApps) await extra.close();
    await app?.close();
    live?.close();
    await analytics?.close();
    await traffic?.close();
    await f?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(new URL(path, url), {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${adminToken}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  /**
   * A page whose console errors and page errors are collected, and its failed requests (status and
   * path): `unexpected(...allowed)` lists the errors other than failed loads and the failed loads
   * other than those the test provokes on purpose (a refusal, a route absent).
   */
  async function open(options: Parameters<Browser['newPage']>[0] = {}): Promise<{ page: Page; unexpected: (...allowed: string[]) => string[] }> {
    const problems: string[] = [];
    const failed: string[] = [];
    const page = await watchedPage(browser, problems, { viewport: { width: 1400, height: 2400 }, ...options });
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    const unexpected = (...allowed: string[]): string[] => [
      ...problems.filter((p) => !p.startsWith('console: Failed to load resource: the server responded with a status of')),
      ...failed.filter((x) => !allowed.includes(x) && !ABSENT.includes(x)),
    ];
    return { page, unexpected };
  }

  async function confirm(page: Page, title: string, reason: string): Promise<void> {
    await page.waitForSelector('#confirm-dialog[open]');
    expect(await page.textContent('#confirm-title')).toBe(title);
    await page.fill('#confirm-reason', reason);
    await page.click('#confirm-ok');
  }

  async function signedIn(page: Page, token: string, who: string, base = url): Promise<void> {
    await page.goto(`${base}?token=${token}`);
    await page.waitForFunction(inPage`document.getElementById('whoami')?.textContent === ${JSON.stringify(who)}`);
  }

  it('applies a recommended change from the page, live at once, and reverts it from "Changed live"', async () => {
    const { page, unexpected } = await open();
    await signedIn(page, adminToken, 'demo (admin)');
    await page.waitForSelector('#analytics[data-apply="true"]:not([hidden])');
    await page.waitForSelector('#analytics-applied-block:not([hidden])');
    expect(await page.textContent('#analytics-applied')).toContain('no policy changed live');
    const apply = `#analytics-advice tr[data-advice="${ID}"] button[data-action="apply"]`;
    await page.waitForSelector(`${apply}:not([hidden])`, { timeout: 15_000 });
    const advice = await api<{ recommendations: Array<{ id: string; status: string; changes: Array<{ key?: string; to: unknown }> }> }>('api/analytics/recommendations');
    const proposed = advice.body.recommendations.find((r) => r.id === ID)!.changes[0]!.to as number;
    expect(proposed).toBeLessThan(FILE_TIMEOUT_MS);
    expect(exchange.exchange.timeout).toBe(FILE_TIMEOUT_MS);

    // Apply, with a reason: in force on the exchange account at once.
    await page.click(apply);
    await confirm(page, `Apply timeout of ${dependency}`, 'p99.9 is far below the timeout');
    await page.waitForSelector('#analytics-tuning-outcome[data-outcome="applied"]');
    expect(await page.textContent('#analytics-tuning-outcome')).toContain(`Applied ${ID} by demo: ${KEY} ${FILE_TIMEOUT_MS} → ${proposed}`);
    expect(exchange.exchange.timeout).toBe(proposed);
    expect(live.runtime.get(KEY)).toBe(proposed);
    // The API's changes in force and the page's table say the same.
    const applied = await api<Applied>('api/analytics/applied');
    expect(applied.body.overrides).toEqual([expect.objectContaining({ key: KEY, file: FILE_TIMEOUT_MS, value: proposed, actor: 'demo', reason: 'p99.9 is far below the timeout' })]);
    const row = `#analytics-applied tr[data-key="${KEY}"]`;
    await page.waitForSelector(row);
    expect(await page.textContent(`${row} .file`)).toBe(String(FILE_TIMEOUT_MS));
    expect(await page.textContent(`${row} .value`)).toBe(String(proposed));
    expect(await page.textContent(`${row} .actor`)).toBe('demo');
    expect(await page.textContent(`${row} .reason`)).toBe('p99.9 is far below the timeout');
    // In force now, the advisor keeps it: no longer offered.
    await page.waitForSelector(`#analytics-advice tr[data-advice="${ID}"]`, { state: 'detached' });
    expect(await page.textContent('#analytics-advice-rest')).toContain(`timeout of ${dependency}: keep`);

    // Revert from the table, with a reason: the file's value in force again.
    await page.click(`${row} button[data-action="revert"]:not([hidden])`);
    await confirm(page, `Revert ${KEY}`, 'back to the file for the drill');
    await page.waitForSelector('#analytics-tuning-outcome[data-outcome="reverted"]');
    expect(await page.textContent('#analytics-tuning-outcome')).toContain(`Reverted ${KEY} ${proposed} → ${FILE_TIMEOUT_MS}`);
    expect(exchange.exchange.timeout).toBe(FILE_TIMEOUT_MS);
    await page.waitForSelector(row, { state: 'detached' });
    expect(await page.textContent('#analytics-applied')).toContain('no policy changed live');
    const after = await api<Applied>('api/analytics/applied');
    expect(after.body.overrides).toEqual([]);
    expect(after.body.history.map((c) => [c.path, c.to, c.actor, c.reason])).toEqual([
      [KEY, proposed, 'demo', 'p99.9 is far below the timeout'],
      [KEY, FILE_TIMEOUT_MS, 'demo', 'back to the file for the drill'],
    ]);
    // Offered again.
    await page.waitForSelector(`${apply}:not([hidden])`);

    // Applied meanwhile over the API: the page's Apply shows the server's refusal, and the table catches up.
    expect((await api('api/analytics/recommendations/' + encodeURIComponent(ID) + '/apply', { method: 'POST', body: { reason: 'from the CLI' } })).status).toBe(200);
    await page.click(apply);
    await confirm(page, `Apply timeout of ${dependency}`, 'twice');
    await page.waitForSelector('#analytics-tuning-outcome[data-outcome="refused"]');
    expect(await page.textContent('#analytics-tuning-outcome')).toMatch(/^Not applied: .*in force already/);
    await page.waitForSelector(`${row} .reason:text-is("from the CLI")`);
    expect(live.revert(KEY, { actor: 'test' })).toBeDefined();
    expect(unexpected(`409 /api/analytics/recommendations/${encodeURIComponent(ID)}/apply`)).toEqual([]);
    await page.close();
  }, 60_000);

  it('sets a live key by hand from "Changed live": checked by the server, in force at once, revertible', async () => {
    const { page, unexpected } = await open();
    await signedIn(page, adminToken, 'demo (admin)');
    await page.waitForSelector('#analytics-set:not([hidden])');
    const key = 'policies.retry.maxAttempts';
    await page.selectOption('#analytics-set-key', key);
    // Not JSON: refused on the page, nothing sent.
    await page.fill('#analytics-set-value', 'four');
    await page.click('#analytics-set-submit');
    await page.waitForSelector('#analytics-tuning-outcome[data-outcome="refused"]');
    expect(await page.textContent('#analytics-tuning-outcome')).toContain('Not set: the value must be a number (3000) or JSON');
    // A value the configuration refuses: the server's reason, naming the key.
    await page.fill('#analytics-set-value', '0');
    await page.click('#analytics-set-submit');
    await confirm(page, `Set ${key}`, 'drill');
    await page.waitForFunction(inPage`document.getElementById('analytics-tuning-outcome')?.textContent?.includes('policies.retry.maxAttempts: Too small')`);
    expect(exchange.currentSettings().maxAttempts).toBe(3);
    // A good one: in force on the exchange at once, listed, then reverted.
    await page.fill('#analytics-set-value', '2');
    await page.click('#analytics-set-submit');
    await confirm(page, `Set ${key}`, 'exchange flapping');
    await page.waitForSelector('#analytics-tuning-outcome[data-outcome="applied"]');
    expect(await page.textContent('#analytics-tuning-outcome')).toContain(`Set ${key} 3 → 2`);
    expect(exchange.currentSettings().maxAttempts).toBe(2);
    const row = `#analytics-applied tr[data-key="${key}"]`;
    await page.waitForSelector(`${row} .reason:text-is("exchange flapping")`);
    await page.click(`${row} button[data-action="revert"]:not([hidden])`);
    await confirm(page, `Revert ${key}`, 'drill over');
    await page.waitForSelector(row, { state: 'detached' });
    expect(exchange.currentSettings().maxAttempts).toBe(3);
    expect(unexpected('400 /api/analytics/applied')).toEqual([]);
    await page.close();
  }, 60_000);

  it('a viewer sees the advice and the changes in force without Apply or Revert', async () => {
    live.runtime.update('policies.retry.maxAttempts', 2, { actor: 'ops', reason: 'drill' });
    try {
      const { page, unexpected } = await open();
      await signedIn(page, viewerToken, 'watcher (viewer)');
      await page.waitForSelector('#analytics[data-apply="false"]:not([hidden])');
      await page.waitForSelector(`#analytics-advice tr[data-advice="${ID}"]`, { timeout: 15_000 });
      await page.waitForSelector('#analytics-applied tr[data-key="policies.retry.maxAttempts"]');
      expect(await page.$$eval('#analytics button[data-action]', (buttons) => buttons.length)).toBe(2);
      expect(await page.$$eval('#analytics button', (buttons) => buttons.filter((b) => b.closest('[hidden]') === null).length)).toBe(0);
      expect(await page.isVisible('#analytics-set')).toBe(false);
      expect(unexpected()).toEqual([]);
      await page.close();
    } finally {
      live.revert('policies.retry.maxAttempts', { actor: 'test' });
    }
  }, 30_000);

  it('without live policies: Apply shows the configuration diff to restart with, and there is no "Changed live" table', async () => {
    const fixed = adviceService({ advisor: tuningAdvisor({ reader: traffic.reader, current: () => live.settings() }, { clock: traffic.clock }), clock: traffic.clock });
    const other = await buildApp({ ...f.components, analytics, advice: fixed }, { webRoot, snapshotMs: 250, auth, bindTimeline: false });
    extraApps.push(other);
    const base = await servedAt(other);
    const { page, unexpected } = await open({ permissions: ['clipboard-read', 'clipboard-write'] });
    // The route answers 404 without live policies: the table stays hidden.
    const absent = page.waitForResponse((r) => r.url().endsWith('/api/analytics/applied') && r.status() === 404);
    await signedIn(page, adminToken, 'demo (admin)', base);
    const apply = `#analytics-advice tr[data-advice="${ID}"] button[data-action="apply"]:not([hidden])`;
    await page.waitForSelector(apply, { timeout: 15_000 });
    await absent;
    expect(await page.isHidden('#analytics-applied-block')).toBe(true);

    await page.click(apply);
    await confirm(page, `Apply timeout of ${dependency}`, 'try it');
    await page.waitForSelector('#analytics-tuning-outcome[data-outcome="restart-needed"]');
    expect(await page.textContent('#analytics-tuning-outcome .outcome-text')).toMatch(/^Not applied: no runtime update exists for policies\.timeout\.ms: merge the diff into the configuration and restart/);
    const diff = (await page.textContent('#analytics-tuning-diff')) ?? '';
    expect(diff).toMatch(/timeout:\n {4}ms: \d+ {2}# was 10000/);
    await page.click('#analytics-tuning-copy');
    await page.waitForFunction(inPage`document.getElementById('analytics-tuning-copy')?.textContent === 'Copied'`);
    // Run in the page (the test's own types have no DOM): what the clipboard holds now.
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(diff);
    expect(live.runtime.get(KEY)).toBe(FILE_TIMEOUT_MS);
    expect(unexpected('404 /api/analytics/applied', `409 /api/analytics/recommendations/${encodeURIComponent(ID)}/apply`)).toEqual([]);
    await page.close();
  }, 40_000);
});
