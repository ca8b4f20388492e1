/**
 * Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium through playwright-core,
 * whether it is there, a launch with the flags every test uses, a page that collects console
 * errors and page errors, and `inPage`, a page condition built as a function; and the server side
 * they share: the demo's authentication (an admin token per run) and the app on a loopback port.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { type Browser, type Page, chromium } from 'playwright-core';
import type { OpsApp } from '../../src/server/app.js';
import { serviceAuth } from '../../src/server/service-auth.js';
import type { Storage } from '../../src/storage/types.js';
import { requireService } from './services.js';

export const CHROMIUM = '/usr/bin/chromium';

/** True when Chromium can run here; otherwise one line says why the browser tests skip (or fail under BULWARK_REQUIRE_SERVICES). */
export const chromiumAvailable = (): Promise<boolean> => requireService('chromium', () => access(CHROMIUM, constants.X_OK));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A new page whose console errors and page errors are pushed to `problems`. */
export async function watchedPage(browser: Browser, problems: string[], options: Parameters<Browser['newPage']>[0] = {}): Promise<Page> {
  const page = await browser.newPage(options);
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return page;
}

/**
 * A page condition as a function built here: Playwright evaluates a string condition with eval()
 * inside the page, which the dashboard's CSP (no unsafe-eval) refuses; a function is sent as code.
 */
export const inPage = (strings: TemplateStringsArray, ...values: unknown[]): (() => boolean) => new Function(`return (${String.raw({ raw: strings }, ...values)});`) as () => boolean;

/** Authentication as `bulwark start` in demo mode sets it up over `storage`: loopback reads open, an admin token made for this run (`demoToken`). */
export function demoAuth(storage: Storage, dataDir: string): ReturnType<typeof serviceAuth> {
  return serviceAuth({ storage, dataDir, listensOnLoopback: true, demo: true, env: {} });
}

/** Listens on a loopback port the OS picks; resolves with the dashboard's URL (ending in `/`). */
export async function servedAt(app: OpsApp): Promise<string> {
  return `${await app.listen({ port: 0, host: '127.0.0.1' })}/`;
}
