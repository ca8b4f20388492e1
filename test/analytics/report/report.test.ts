/**
 * The analytics report over a seeded recording in SQLite (ManualClock): `bulwark report --html`
 * writes one page with the charts (latency percentiles, error rate, incident timeline, budget burn)
 * and the incident list with MTTR, names escaped and no external request; `--json` gives the same
 * content as data.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSlos } from '../../../src/demo/slos.js';
import { analyticsRecorder } from '../../../src/analytics/recorder.js';
import { incidentLog } from '../../../src/analytics/incident-log.js';
import { analyticsReader } from '../../../src/analytics/reader.js';
import { analyticsReport } from '../../../src/analytics/report/report-data.js';
import { renderAnalyticsReport } from '../../../src/analytics/report/html.js';
import { runReport } from '../../../src/cli/commands/report-run.js';
import { ManualClock } from '../../../src/core/clock.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';

const START = Date.UTC(2026, 0, 1);
const HOSTILE = 'feed <script>alert(1)</script> "x"';

let dir: string;
let clock: ManualClock;

/** Two hours of traffic: the orders path with an outage in the second hour, a feed with a hostile name. */
async function seed(): Promise<void> {
  const storage = await sqliteStorage({ dataDir: dir, clock });
  const recorder = analyticsRecorder({ storage, clock });
  await recorder.start();
  const incidents = await incidentLog({ storage, clock, instance: 'bulwark-demo' });
  for (let minute = 0; minute < 120; minute++) {
    const outage = minute >= 70 && minute < 75;
    for (let i = 0; i < 20; i++) {
      if (outage) recorder.record('binance:orders', i % 2 === 0 ? 'rejected' : 'failure', i % 2 === 0 ? undefined : 2_000);
      else recorder.record('binance:orders', 'success', 20 + (i % 10) * 5 + (minute >= 60 ? 100 : 0));
      recorder.record(HOSTILE, 'success', 5 + i);
    }
    if (minute === 70) incidents.begin('breaker-open', 'binance:orders', 'failure-rate');
    if (minute === 75) incidents.end('breaker-open', 'binance:orders', 'closed');
    if (minute === 90) incidents.begin('alert', HOSTILE, 'firing at 1');
    if (minute === 92) incidents.end('alert', HOSTILE, 'resolved');
    await clock.advance(60_000);
  }
  await recorder.stop();
  await incidents.flush();
  await storage.close();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-report-'));
  clock = new ManualClock(START);
  await seed();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bulwark report', () => {
  it('--html writes a self-contained page with the charts, the incidents with MTTR, and escaped names', async () => {
    const file = join(dir, 'out.html');
    let said = '';
    await runReport({ since: '3h', html: true, out: file, dataDir: dir }, { clock, stdout: { write: (t: string) => (said += t) } });
    expect(said).toBe(`report written: ${file}\n`);
    const html = await readFile(file, 'utf8');
    // Charts: latency percentiles and error rate per dependency, the incident timeline, each demo SLO's budget burn.
    expect(html).toContain('aria-label="binance:orders: latency percentiles"');
    expect(html).toContain('aria-label="binance:orders: error rate"');
    expect(html).toContain('aria-label="incident timeline"');
    expect(html).toContain('aria-label="orders-available: budget burn"');
    expect((html.match(/<polyline /g) ?? []).length).toBeGreaterThanOrEqual(6);
    // The incident list: the 5-minute breaker outage with its MTTR.
    expect(html).toMatch(/<td>binance:orders<\/td><td>1<\/td><td>5 min<\/td><td>5 min<\/td>/);
    expect(html).toMatch(/<td>2026-01-01T01:10:00Z<\/td><td>2026-01-01T01:15:00Z<\/td><td>5 min<\/td><td><span[^>]*><\/span>breaker-open<\/td><td>binance:orders<\/td><td>failure-rate<\/td><td>closed<\/td>/);
    // The hostile name is escaped wherever it appears; no markup of it survives.
    expect(html).not.toContain('<script>');
    expect(html).toContain('feed &#60;script&#62;alert(1)&#60;/script&#62; &#34;x&#34;');
    // No external request: no http(s) URL in a src or href, no script, no stylesheet link.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('--json gives the content: percentiles that follow the recording, MTTR, and the budget the outage burned', async () => {
    let text = '';
    await runReport({ since: '3h', json: true, dataDir: dir }, { clock, stdout: { write: (t: string) => (text += t) } });
    const report = JSON.parse(text) as Awaited<ReturnType<typeof analyticsReport>>;
    const orders = report.dependencies.find((d) => d.name === 'binance:orders')!;
    expect(orders.counts).toEqual({ success: 115 * 20, failure: 50, timeout: 0, rejected: 50 });
    expect(orders.reliability).toMatchObject({ failures: 1, mttrMs: 300_000 });
    // The second hour is 100 ms slower: its steps' p50 show it (1% sketch accuracy).
    const first = orders.points.find((p) => p.at < START + 3_600_000 && p.latencyMs)!;
    const late = orders.points.filter((p) => p.at >= START + 3_600_000 && p.latencyMs).at(-1)!;
    expect(late.latencyMs!.p50! - first.latencyMs!.p50!).toBeGreaterThan(95);
    // The outage's error rate is 100% in its steps, 0 elsewhere.
    expect(Math.max(...orders.points.map((p) => p.errorRatio ?? 0))).toBeGreaterThan(0.5);
    expect(orders.points[0]!.errorRatio).toBe(0);
    // orders-available (the demo's objective): 100 bad of 2,400 calls spend 100 of the calls its budget allows.
    const slo = report.slos.find((s) => s.status.name === 'orders-available')!;
    const objective = demoSlos.find((s) => s.name === 'orders-available')!.objectivePercent;
    expect(slo.calls).toBe(2_400);
    expect(slo.badCalls).toBe(100);
    expect(slo.points.at(-1)!.budgetRemainingRatio).toBeCloseTo(1 - 100 / (2_400 * (1 - objective / 100)), 6);
    expect(report.incidents.map((i) => i.kind)).toEqual(['breaker-open', 'alert']);
  });

  it('refuses a range that ends before it starts, and --out without --html, naming the flag', async () => {
    await expect(runReport({ since: '1h', until: '2h', dataDir: dir }, { clock })).rejects.toThrow(/--until: must be after --since/);
    await expect(runReport({ out: 'x.html', dataDir: dir }, { clock })).rejects.toThrow(/--out: only with --html/);
    await expect(runReport({ since: 'yesterday', dataDir: dir }, { clock })).rejects.toThrow(/--since: "yesterday" is not a time/);
  });

  it('an empty range renders a page saying so', async () => {
    const storage = await sqliteStorage({ dataDir: dir, clock });
    const reader = await analyticsReader(storage, { clock });
    const report = await analyticsReport({ reader, incidents: await incidentLog({ storage, clock }), fromMs: START - 7_200_000, toMs: START - 3_600_000, clock });
    await storage.close();
    const html = renderAnalyticsReport(report);
    expect(html).toContain('No incident in the range.');
    expect(html).toContain('No call recorded in the range.');
    expect(html).toContain('No SLO configured.');
  });
});
