/** What `bulwark report` runs (see report.ts); loaded only when it runs. */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { incidentLog } from '../../analytics/incident-log.js';
import { analyticsReader } from '../../analytics/reader.js';
import { type AnalyticsReport, analyticsReport } from '../../analytics/report/report-data.js';
import { formatDuration, renderAnalyticsReport } from '../../analytics/report/html.js';
import { type SloDefinition, sloEvaluator } from '../../analytics/slo.js';
import { systemClock } from '../../core/clock.js';
import { demoSlos } from '../../demo/slos.js';
import { locateData, openDataStorage } from '../data-location.js';
import { parseTime } from '../flags.js';
import { REPORT_COMMAND_DEFAULTS, type ReportCommandDeps, type ReportFlags } from './report.js';

/** The configuration's SLOs with --config; the demo's SLOs for a data directory (what `bulwark start` without a config runs). */
async function slosFor(flags: ReportFlags): Promise<readonly SloDefinition[]> {
  if (flags.config === undefined) return demoSlos;
  const { loadConfig } = await import('../../config/loader.js');
  return loadConfig({ file: flags.config }).config.slos;
}

export function reportSummary(report: AnalyticsReport): string {
  const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
  const lines = [`report ${iso(report.fromMs)} to ${iso(report.toMs)}`];
  lines.push('SLOs:');
  for (const s of report.slos) lines.push(`  ${s.status.name}: budget left ${(s.status.budgetRemainingRatio * 100).toFixed(1)}%, firing: ${s.status.alerts.filter((a) => a.firing).map((a) => a.alert).join(', ') || 'none'}`);
  lines.push('dependencies:');
  for (const d of report.dependencies) {
    const calls = d.counts.success + d.counts.failure + d.counts.timeout + d.counts.rejected;
    lines.push(`  ${d.name}: ${calls} calls, errors ${d.errorRatio === null ? '-' : `${(d.errorRatio * 100).toFixed(2)}%`}, p99 ${formatDuration(d.latencyMs?.p99 ?? null)}, ${d.reliability.failures} outages, MTTR ${formatDuration(d.reliability.mttrMs)}, MTBF ${formatDuration(d.reliability.mtbfMs)}`);
  }
  lines.push(`incidents: ${report.incidents.length}`);
  for (const i of [...report.incidents].reverse().slice(0, 20)) lines.push(`  ${iso(i.startedAt)} ${i.kind} ${i.dependency}: ${i.cause} (${i.endedAt === null ? 'ongoing' : formatDuration(i.endedAt - i.startedAt)})`);
  return `${lines.join('\n')}\n`;
}

export async function runReport(flags: ReportFlags, deps: ReportCommandDeps = {}): Promise<void> {
  const clock = deps.clock ?? systemClock;
  const stdout = deps.stdout ?? process.stdout;
  const now = clock.now();
  const fromMs = parseTime('--since', flags.since ?? REPORT_COMMAND_DEFAULTS.since, now);
  const toMs = flags.until !== undefined ? parseTime('--until', flags.until, now) : now;
  if (toMs <= fromMs) throw new InvalidArgumentError(`--until: must be after --since (${new Date(fromMs).toISOString()})`);
  if (flags.out !== undefined && !flags.html) throw new InvalidArgumentError('--out: only with --html');
  const slos = await slosFor(flags);
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  const storage = await openDataStorage(location, { migrate: false });
  try {
    const reader = await analyticsReader(storage, { clock });
    const incidents = await incidentLog({ storage, clock, instance: 'report' });
    const report = await analyticsReport({ reader, incidents, evaluator: sloEvaluator({ reader, slos, clock }), fromMs, toMs, clock });
    if (flags.html) {
      const file = flags.out ?? REPORT_COMMAND_DEFAULTS.htmlFile;
      writeFileSync(file, renderAnalyticsReport(report));
      stdout.write(flags.json ? `${JSON.stringify({ html: file })}\n` : `report written: ${file}\n`);
      return;
    }
    stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : reportSummary(report));
  } finally {
    await storage.close();
  }
}
