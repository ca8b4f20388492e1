/**
 * The analytics report as one self-contained HTML page (no scripts, no external files, no
 * requests): per dependency its latency percentiles and error rate over time with its incidents
 * shaded behind, an incident timeline with MTTR and MTBF per dependency, and each SLO's budget
 * burn. Every name is escaped; the charts are inline SVG (observe/svg-chart.ts).
 */
import { formatDuration } from '../../core/duration-text.js';
import { type ChartBand, escapeHtml as escape, timeChart } from '../../observe/svg-chart.js';
import type { Incident, IncidentKind } from '../incident-log.js';
import type { AnalyticsReport, DependencyReport, SloReport } from './report-data.js';

export { formatDuration };

const iso = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

const percent = (ratio: number | null, digits = 2): string => (ratio === null ? '-' : `${(ratio * 100).toFixed(digits)}%`);

export const KIND_COLOURS: Record<IncidentKind, string> = {
  'breaker-open': '#dc2626',
  'gate-halted': '#7c2d12',
  'gate-reducing': '#f59e0b',
  'exchange-ban': '#9333ea',
  alert: '#2563eb',
  'chaos-run': '#64748b',
};

const LATENCY_LINES = [
  { key: 'p50', colour: '#16a34a' },
  { key: 'p90', colour: '#2563eb' },
  { key: 'p99', colour: '#f59e0b' },
  { key: 'p99_9', colour: '#dc2626' },
] as const;

const bandsOf = (incidents: readonly Incident[], toMs: number): ChartBand[] =>
  incidents.map((i) => ({ fromMs: i.startedAt, toMs: i.endedAt ?? toMs, colour: '#fecaca', opacity: 0.6, title: `${i.kind} ${i.dependency}: ${i.cause} (${iso(i.startedAt)} to ${iso(i.endedAt)})` }));

function dependencySection(report: AnalyticsReport, d: DependencyReport): string {
  const own = report.incidents.filter((i) => i.dependency === d.name && i.kind !== 'chaos-run');
  const range = { fromMs: report.fromMs, toMs: report.toMs };
  const latencyPoints = d.points.filter((p) => p.latencyMs !== null);
  const top = Math.max(1, ...latencyPoints.map((p) => p.latencyMs!.p99 ?? 0));
  const latency = timeChart({
    ...range,
    label: `${d.name}: latency percentiles`,
    lo: 0,
    hi: top * 1.1,
    bands: bandsOf(own, report.toMs),
    legend: true,
    lines: LATENCY_LINES.map((l) => ({ name: l.key.replace('_', '.'), colour: l.colour, points: latencyPoints.map((p) => ({ at: p.at, value: p.latencyMs![l.key] ?? 0 })) })),
    axis: `latency of successful calls, 0 to ${formatDuration(top * 1.1)}; p99.9 above the top is drawn at it`,
  });
  const errors = timeChart({
    ...range,
    label: `${d.name}: error rate`,
    lo: 0,
    hi: Math.max(0.05, ...d.points.map((p) => p.errorRatio ?? 0)),
    bands: bandsOf(own, report.toMs),
    lines: [{ name: 'errors', colour: '#dc2626', points: d.points.filter((p) => p.errorRatio !== null).map((p) => ({ at: p.at, value: p.errorRatio! })) }],
    axis: `failures, timeouts and refusals over calls, 0 to ${percent(Math.max(0.05, ...d.points.map((p) => p.errorRatio ?? 0)), 0)}`,
  });
  const l = d.latencyMs;
  const calls = d.counts.success + d.counts.failure + d.counts.timeout + d.counts.rejected;
  return `<section class="dependency"><h3>${escape(d.name)}</h3>
<p>${calls} calls: ${d.counts.success} succeeded, ${d.counts.failure} failed, ${d.counts.timeout} timed out, ${d.counts.rejected} refused (error rate ${percent(d.errorRatio)}).
Latency p50 ${formatDuration(l?.p50 ?? null)}, p90 ${formatDuration(l?.p90 ?? null)}, p99 ${formatDuration(l?.p99 ?? null)}, p99.9 ${formatDuration(l?.p99_9 ?? null)}.
${d.reliability.failures} outages, MTTR ${formatDuration(d.reliability.mttrMs)}, MTBF ${formatDuration(d.reliability.mtbfMs)}.</p>
${latency}
${errors}</section>`;
}

function timeline(report: AnalyticsReport): string {
  const names = [...new Set(report.incidents.map((i) => i.dependency))];
  if (names.length === 0) return '<p>No incident in the range.</p>';
  const w = 640;
  const row = 16;
  const left = 160;
  const h = names.length * row + 16;
  const x = (t: number): number => left + ((Math.min(Math.max(t, report.fromMs), report.toMs) - report.fromMs) / (report.toMs - report.fromMs)) * (w - left - 4);
  const rows = names.map((name, r) => {
    const label = `<text x="0" y="${r * row + 12}" font-size="10">${escape(name.length > 28 ? `${name.slice(0, 27)}…` : name)}</text>`;
    const bars = report.incidents
      .filter((i) => i.dependency === name)
      .map((i) => `<rect x="${x(i.startedAt).toFixed(1)}" y="${r * row + 2}" width="${Math.max(2, x(i.endedAt ?? report.toMs) - x(i.startedAt)).toFixed(1)}" height="${row - 4}" fill="${KIND_COLOURS[i.kind]}"><title>${escape(`${i.kind}: ${i.cause}, ${iso(i.startedAt)} to ${iso(i.endedAt)} (${formatDuration((i.endedAt ?? report.generatedAt) - i.startedAt)})`)}</title></rect>`);
    return label + bars.join('');
  });
  const axis = `<text x="${left}" y="${h - 2}" font-size="10">${escape(iso(report.fromMs))}</text><text x="${w - 4}" y="${h - 2}" font-size="10" text-anchor="end">${escape(iso(report.toMs))}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="incident timeline">${rows.join('')}${axis}</svg>`;
}

function sloSection(report: AnalyticsReport, s: SloReport): string {
  const st = s.status;
  const what = st.kind === 'latency' ? 'latency' : 'availability';
  const chart = timeChart({
    fromMs: report.fromMs,
    toMs: report.toMs,
    label: `${st.name}: budget burn`,
    lo: Math.min(0, ...s.points.map((p) => p.budgetRemainingRatio)),
    hi: 1,
    legend: true,
    lines: [{ name: 'budget left', colour: '#2563eb', points: s.points.map((p) => ({ at: p.at, value: p.budgetRemainingRatio })) }],
    dots: s.points.filter((p) => p.burnRate !== null && p.burnRate > 1).map((p) => ({ at: p.at, value: p.budgetRemainingRatio, colour: '#dc2626', title: `${iso(p.at)}: burning ${p.burnRate!.toFixed(1)}x` })),
    axis: 'error budget left, counted from the range start; red dots: steps burning faster than 1x',
  });
  const alerts = st.alerts.map((a) => `<tr><td>${escape(a.alert)}</td><td>${escape(a.severity)}</td><td>${a.longBurnRate === null ? '-' : a.longBurnRate.toFixed(2)} / ${a.shortBurnRate === null ? '-' : a.shortBurnRate.toFixed(2)}</td><td>${a.factor.toFixed(2)}</td><td>${a.firing ? '<strong class="bad">firing</strong>' : a.enoughCalls ? 'ok' : `too few calls (${a.longWindowCalls} of ${st.minimumCalls})`}</td></tr>`);
  return `<section class="slo"><h3>${escape(st.name)} <small>${what} of ${escape(st.dependency)}, ${st.objectivePercent}% over ${st.windowDays} d</small></h3>
<p>Over the SLO window: SLI ${st.sliPercent === null ? '-' : `${st.sliPercent.toFixed(3)}%`}, ${st.badCalls} bad of ${st.totalCalls} calls, budget left <strong>${percent(st.budgetRemainingRatio, 1)}</strong>. In the report's range: ${s.badCalls} bad of ${s.calls}.</p>
${chart}
<table><tr><th>alert</th><th>severity</th><th>burn rate long / short</th><th>factor</th><th>now</th></tr>${alerts.join('')}</table></section>`;
}

/** The whole page; `title` defaults to "Bulwark report FROM to TO". */
export function renderAnalyticsReport(report: AnalyticsReport, title = `Bulwark report ${iso(report.fromMs)} to ${iso(report.toMs)}`): string {
  const reliability = report.dependencies
    .filter((d) => d.reliability.failures > 0 || d.reliability.downtimeMs > 0)
    .map((d) => `<tr><td>${escape(d.name)}</td><td>${d.reliability.failures}</td><td>${formatDuration(d.reliability.downtimeMs)}</td><td>${formatDuration(d.reliability.mttrMs)}</td><td>${formatDuration(d.reliability.mtbfMs)}</td></tr>`);
  const incidents = [...report.incidents]
    .reverse()
    .map((i) => `<tr><td>${iso(i.startedAt)}</td><td>${iso(i.endedAt)}</td><td>${formatDuration((i.endedAt ?? report.generatedAt) - i.startedAt)}</td><td><span class="kind" style="background:${KIND_COLOURS[i.kind]}"></span>${escape(i.kind)}</td><td>${escape(i.dependency)}</td><td>${escape(i.cause)}</td><td>${escape(i.resolution ?? (i.endedAt === null ? 'ongoing' : ''))}</td></tr>`);
  const charted = report.dependencies.filter((d) => d.points.length > 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:980px}table.incidents{font-size:12px}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}small{color:#666;font-weight:normal}.bad{color:#dc2626}.kind{display:inline-block;width:.8em;height:.8em;margin-right:4px}svg{display:block;margin:4px 0}</style></head>
<body><h1>${escape(title)}</h1>
<p>Generated ${iso(report.generatedAt)}; charts in steps of ${formatDuration(report.stepMs)}. ${report.dependencies.length} dependencies, ${report.incidents.length} incidents, ${report.slos.length} SLOs.</p>
<h2>SLOs</h2>${report.slos.length > 0 ? report.slos.map((s) => sloSection(report, s)).join('\n') : '<p>No SLO configured.</p>'}
<h2>Incidents</h2>
${timeline(report)}
${reliability.length > 0 ? `<table><tr><th>dependency</th><th>outages</th><th>downtime</th><th>MTTR</th><th>MTBF</th></tr>${reliability.join('')}</table>` : ''}
${incidents.length > 0 ? `<table class="incidents"><tr><th>started</th><th>ended</th><th>lasted</th><th>kind</th><th>affected</th><th>cause</th><th>resolution</th></tr>${incidents.join('')}</table>` : ''}
${report.incidentsLeftOut > 0 ? `<p>${report.incidentsLeftOut} more incidents not listed.</p>` : ''}
<h2>Dependencies</h2>${charted.length > 0 ? charted.map((d) => dependencySection(report, d)).join('\n') : '<p>No call recorded in the range.</p>'}
</body></html>
`;
}
