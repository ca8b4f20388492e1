/**
 * `bulwark chaos run --dry-run`, `chaos run` through a real ops app (its inject as the fetch),
 * and `chaos list` / `chaos report` over the SQLite database of a data directory.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runChaosList, runChaosReport, runChaosRun } from '../../../src/cli/commands/chaos-experiments-run.js';
import { ManualClock } from '../../../src/core/clock.js';
import { ChaosExperiments } from '../../../src/chaos/experiments/chaos-experiments.js';
import { defaultActivityRegistry } from '../../../src/chaos/experiments/default-registry.js';
import { chaosRunStore } from '../../../src/chaos/experiments/run-store.js';
import { simExchange } from '../../../src/chaos/experiments/target.js';
import { buildApp } from '../../../src/server/app.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { liveEvents } from '../../../src/server/live-events.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { createSimRouter } from '../../../src/trading/sim/router.js';
import { tradingGate } from '../../../src/trading/gate.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const capture = () => {
  let text = '';
  let code: number | undefined;
  return { stdout: { write: (t: string) => (text += t) }, setExitCode: (c: number) => (code = c), text: () => text, code: () => code };
};

describe('bulwark chaos run / list / report', () => {
  it('--dry-run prints the plan of a shipped experiment; a bad file is named with its key', async () => {
    const out = capture();
    await runChaosRun('exchange-maintenance', { dryRun: true }, out);
    expect(out.text()).toContain('Exchange maintenance window (not production-safe, method 20000 ms)');
    expect(out.text()).toContain('action exchange-maintenance for 20000 ms');
    expect(out.code()).toBe(0);
    dir = await mkdtemp(join(tmpdir(), 'bulwark-chaos-cli-'));
    const file = join(dir, 'typo.yaml');
    await writeFile(file, 'title: t\nsteadyStateHypothesis: { title: h, probes: [{ name: p, probe: gate-mode, tolerance: { equals: true } }] }\nmethod: [{ action: exchange-maintenanse }]\n');
    const bad = capture();
    await runChaosRun(file, { dryRun: true, json: true }, bad);
    expect(JSON.parse(bad.text()).problems).toEqual(['method.0.action: unknown action "exchange-maintenanse"']);
    expect(bad.code()).toBe(1);
  });

  it('runs through the service, follows the run to its verdict, then list and report read it from the data directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-chaos-cli-'));
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const storage = await sqliteStorage({ dataDir: dir, clock });
    const router = createSimRouter({ clock });
    const gate = tradingGate({ clock });
    const experiments = new ChaosExperiments({
      registry: defaultActivityRegistry(),
      target: { gate, exchange: simExchange({ faults: router.faults, setFaults: router.setFaults, engine: router.engine }), orders: { counts: () => ({}) } },
      store: await chaosRunStore(storage),
      guardrails: () => ({ chaosEnabled: true, liveTrading: false }),
      clock,
    });
    const app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), events: liveEvents({ clock }), gate, clock, chaos: { experiments } }, { webRoot: '/nonexistent' });
    const fetchViaApp = (async (url: string, init: RequestInit = {}) => {
      const res = await app.inject({ method: (init.method ?? 'GET') as 'GET', url: new URL(url).pathname, ...(init.body ? { payload: String(init.body), headers: { 'content-type': 'application/json' } } : {}) });
      return new Response(res.body, { status: res.statusCode, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const out = capture();
    const done = runChaosRun('exchange-418-ban', { url: 'http://service' }, { ...out, fetch: fetchViaApp, clock });
    for (let i = 0; i < 60 && out.code() === undefined; i++) await clock.advance(1_000);
    await done;
    expect(out.text()).toMatch(/^run [0-9a-f-]+ started: 418 ban\n/);
    expect(out.text()).toContain('passed, score 100');
    expect(out.code()).toBe(0);
    await app.close();
    await storage.close();

    const list = capture();
    await runChaosList({ dataDir: dir, json: true }, list);
    const [run] = JSON.parse(list.text()) as Array<{ id: string; status: string; score: number }>;
    expect(run).toMatchObject({ status: 'passed', score: 100 });
    const report = capture();
    await runChaosReport(run!.id, { dataDir: dir }, report);
    expect(report.text()).toContain('418 ban: passed, score 100');
    expect(report.text()).toContain('exchange-clear-faults: reverted');
    const html = capture();
    await runChaosReport(run!.id, { dataDir: dir, html: join(dir, 'report.html') }, html);
    expect(html.text()).toBe('report written: report.html\n');
    const page = await readFile(join(dir, 'report.html'), 'utf8');
    expect(page).toContain('<strong style="color:#16a34a">passed</strong>, resilience score <strong>100</strong>');
    // One chart per probe measured: three hypothesis probes, one during the step, one abort condition.
    expect(page.match(/<svg /g)).toHaveLength(5);
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
