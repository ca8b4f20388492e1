/** What `bulwark tune` runs (see tune.ts); loaded only when the command runs. */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { tuningAdvisor } from '../../analytics/advisor/advisor.js';
import { configDiff, diffLines, diffYaml } from '../../analytics/advisor/config-diff.js';
import { settingsFromConfig } from '../../analytics/advisor/policy-settings.js';
import type { AdviceReport, Recommendation } from '../../analytics/advisor/types.js';
import { analyticsReader } from '../../analytics/reader.js';
import { checkSettings } from '../../analytics/replay/settings.js';
import type { PolicySettings, ReplayReport } from '../../analytics/replay/types.js';
import { systemClock } from '../../core/clock.js';
import { presetBreakerOptions } from '../../trading/presets.js';
import { locateData, openDataStorage } from '../data-location.js';
import { table } from './colors.js';
import { TUNE_COMMAND_DEFAULTS, type TuneCommandDeps, type TuneFlags } from './tune.js';

/** The service's exchange breakers run the exchangeApi preset's window (configured-exchange.ts). */
const exchangeBreakers = { breakerWindow: presetBreakerOptions('exchangeApi').window! };

async function currentSettings(flags: TuneFlags): Promise<{ settings: PolicySettings; from: string }> {
  if (flags.settings !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(flags.settings, 'utf8'));
    } catch (error) {
      throw new Error(`--settings ${flags.settings}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      checkSettings(parsed as PolicySettings);
    } catch (error) {
      throw new Error(`--settings ${flags.settings}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { settings: parsed as PolicySettings, from: flags.settings };
  }
  if (flags.config !== undefined) {
    const { loadConfig } = await import('../../config/loader.js');
    return { settings: settingsFromConfig(loadConfig({ file: flags.config }).config, exchangeBreakers), from: `${flags.config} (breakers: the exchangeApi preset window)` };
  }
  const { CONFIG_DEFAULTS } = await import('../../config/schema.js');
  return { settings: settingsFromConfig(CONFIG_DEFAULTS, exchangeBreakers), from: 'the configuration defaults (breakers: the exchangeApi preset window)' };
}

export async function runTune(flags: TuneFlags, deps: TuneCommandDeps = {}): Promise<AdviceReport> {
  const out = deps.stdout ?? process.stdout;
  const clock = deps.clock ?? systemClock;
  const { settings, from } = await currentSettings(flags);
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  const storage = await openDataStorage(location);
  try {
    const reader = await analyticsReader(storage, { clock });
    const untilMs = clock.now();
    const advisor = tuningAdvisor({ reader, current: settings, currentFrom: from }, { clock });
    const report = await advisor.advise({ sinceMs: untilMs - (flags.since ?? TUNE_COMMAND_DEFAULTS.sinceMs), untilMs, ...(flags.dependency !== undefined ? { dependency: flags.dependency } : {}) });
    const diff = configDiff(report.recommendations);
    if (flags.writeDiff !== undefined) writeFileSync(flags.writeDiff, diffYaml(diff));
    if (flags.json) out.write(`${JSON.stringify({ ...report, configDiff: diff }, null, 2)}\n`);
    else out.write(render(report, diffLines(diff), flags.writeDiff));
    return report;
  } finally {
    await storage.close();
  }
}

const STATUS_LABEL: Record<Recommendation['status'], string> = {
  recommended: 'RECOMMENDED',
  'not-better': 'not better in the replay',
  keep: 'keep',
  'no-evidence': 'no evidence',
  advisory: 'advisory',
};

function figure(value: number | string | boolean | null): string {
  return typeof value === 'number' ? String(+value.toFixed(Math.abs(value) < 1 ? 4 : 1)) : String(value);
}

function replayTable(current: ReplayReport, proposed: ReplayReport): string {
  const rows: Array<[string, (r: ReplayReport) => number]> = [
    ['calls', (r) => r.calls],
    ['failed calls', (r) => r.failed],
    ['caller p50 ms', (r) => r.p50Ms],
    ['caller p99 ms', (r) => r.p99Ms],
    ['requests to the dependency', (r) => r.dependencyRequests],
    ['requests during outages', (r) => r.dependencyRequestsDuringOutages],
    ['amplification', (r) => r.amplification],
    ['time open ms', (r) => r.openMs],
    ['timed out', (r) => r.timedOut],
  ];
  return table([['replay', 'current', 'proposed'], ...rows.map(([name, get]) => [name, figure(get(current)), figure(get(proposed))])])
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

function render(report: AdviceReport, diff: string[], diffFile: string | undefined): string {
  const lines = [`bulwark tune: ${new Date(report.fromMs).toISOString()} to ${new Date(report.toMs).toISOString()}, settings from ${report.currentFrom}`];
  if (report.dependencies.length === 0) lines.push('  nothing recorded in the range');
  for (const d of report.dependencies) {
    lines.push('', `${d.dependency}: ${d.calls} calls (${figure(d.callsPerSecond)}/s), p50 ${figure(d.p50Ms)} ms, p99 ${figure(d.p99Ms)} ms, p99.9 ${figure(d.p99_9Ms)} ms, failed ${figure(d.errorRate * 100)}% (an ordinary bucket ${figure(d.baselineErrorRate * 100)}%)`);
    for (const r of report.recommendations.filter((x) => x.dependency === d.dependency)) lines.push(...recommendationLines(r));
  }
  lines.push('');
  for (const r of report.recommendations.filter((x) => !report.dependencies.some((d) => d.dependency === x.dependency))) lines.push(...recommendationLines(r));
  lines.push('', diff.length > 0 ? 'configuration diff (old -> new):' : 'configuration diff: no change recommended', ...diff.map((l) => `  ${l}`));
  if (diffFile !== undefined) lines.push(`  written to ${diffFile}`);
  return `${lines.join('\n')}\n`;
}

function recommendationLines(r: Recommendation): string[] {
  const lines = [`  [${STATUS_LABEL[r.status]}] ${r.rule}: ${r.summary}`];
  lines.push(`      evidence: ${Object.entries(r.evidence).map(([k, v]) => `${k}=${figure(v)}`).join(', ')}`);
  if (r.replay) {
    lines.push(replayTable(r.replay.current, r.replay.proposed));
    lines.push(`      verdict: ${r.replay.better ? 'better' : 'not better'}: ${r.replay.reasons.join('; ')}`);
  }
  return lines;
}
