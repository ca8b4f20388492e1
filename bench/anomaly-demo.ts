/**
 * The anomaly detector over the demo (`npx tsx bench/anomaly-demo.ts [SECONDS] [CONSECUTIVE_POINTS]`,
 * default 600 s and the detector's default; a third argument `no-faults` runs the demo without its
 * fault injector, so every episode is a false positive):
 * starts the demo on the real clock with its fault injector (a scenario every ~12 s quiet), and runs
 * a detector with its defaults over the demo's recording (p99 latency and
 * error rate per breaker) and the service's counters (placed orders, 429s). Prints every episode
 * (a series turning anomalous) with the fault that was active around it, then per series: points
 * judged, points outside the band, episodes, and episodes with no fault around them (false positives).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo } from '../src/demo/demo.js';
import { registrySource } from '../src/observe/alerts/source.js';
import { analyticsReader, anomalyDetector, anomalyMonitor, counterRateFeed, recordedFeed, type SeriesSpec, type SeriesFeed } from '../src/analytics/index.js';

const seconds = Number(process.argv[2] ?? 600);
const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-anomaly-demo-'));
const faultsOff = process.argv[4] === 'no-faults';
const demo = await startDemo({ dataDir, ...(faultsOff ? { faultQuietMs: 0 } : {}) });
// The demo records its breakers' calls itself; this run reads its recording.
const breakers = demo.components.breakers!.breakers();
const reader = await analyticsReader(demo.storage);
const source = registrySource(demo.components.metrics.registry);

const series: Array<{ spec: SeriesSpec; feed: SeriesFeed }> = [];
for (const b of breakers) {
  const name = b.name ?? 'breaker';
  series.push({ spec: { name: `${name} latency`, kind: 'latency' }, feed: recordedFeed(reader, name, 'latency', { backfillMs: 0 }) });
  series.push({ spec: { name: `${name} errors`, kind: 'error-rate' }, feed: recordedFeed(reader, name, 'error-rate', { backfillMs: 0 }) });
}
series.push({ spec: { name: 'orders placed', kind: 'order-rate' }, feed: counterRateFeed(source, 'bulwark_orders_total', { outcome: 'placed' }) });
series.push({ spec: { name: '429s', kind: 'throttle-rate' }, feed: counterRateFeed(source, 'bulwark_exchange_throttled_total', { status: '429' }) });

const consecutivePoints = process.argv[3] ? Number(process.argv[3]) : undefined;
const detector = anomalyDetector(consecutivePoints ? { consecutivePoints } : {});
const monitor = anomalyMonitor({ detector, series });
monitor.on('pollFailed', ({ series: s, error }) => console.error(`poll failed: ${s}: ${String(error)}`));

// The fault timeline, sampled each second.
const faults: Array<{ atMs: number; name: string | undefined }> = [];
const sampler = setInterval(() => faults.push({ atMs: Date.now(), name: demo.faults.active?.name }), 1_000);
/** Faults active within [fromMs - 20 s, toMs]: the bucket's own time and what still drains from it. */
const faultsAround = (fromMs: number, toMs: number): string[] => [...new Set(faults.filter((f) => f.atMs >= fromMs - 20_000 && f.atMs <= toMs && f.name).map((f) => f.name!))];

const counts = new Map<string, { judged: number; outside: number; episodes: number; unexplained: number }>();
for (const { spec } of series) counts.set(spec.name, { judged: 0, outside: 0, episodes: 0, unexplained: 0 });
const startedAt = Date.now();
detector.on('stateChange', (c) => {
  if (c.to !== 'anomalous') return;
  const around = faultsAround(c.status.atMs! - 30_000, c.status.atMs! + 10_000);
  const n = counts.get(c.series)!;
  n.episodes++;
  if (around.length === 0) n.unexplained++;
  const t = ((c.status.atMs! - startedAt) / 1_000).toFixed(0);
  console.log(`+${t}s ${c.series}: observed ${c.status.observed?.toPrecision(3)} baseline ${c.status.baseline?.toPrecision(3)} (${c.status.score?.toPrecision(3)} sd) faults: ${around.join(', ') || 'none'}`);
});
const poll = monitor.poll.bind(monitor);
monitor.poll = async () => {
  const before = new Map(detector.statuses().map((s) => [s.series, s.atMs]));
  await poll();
  for (const s of detector.statuses()) {
    if (s.state === 'warm-up' || s.atMs === before.get(s.series)) continue;
    const n = counts.get(s.series)!;
    n.judged++;
    if (s.consecutive > 0) n.outside++;
  }
};
monitor.start();
await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
monitor.stop();
clearInterval(sampler);
const faulted = faults.filter((f) => f.name).length / Math.max(1, faults.length);
console.log(`\n${seconds} s of demo, a fault active ${(faulted * 100).toFixed(0)}% of the time; warm-up ${detector.options.minSamples} points, consecutivePoints ${detector.options.consecutivePoints}`);
console.log('series | points judged | outside the band | episodes | episodes with no fault around');
for (const [name, n] of counts) console.log(`${name} | ${n.judged} | ${n.outside} | ${n.episodes} | ${n.unexplained}`);
await demo.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
