/**
 * A run's report as one self-contained HTML page (no scripts, no external files): the verdict,
 * the score, the hypothesis, the steps and rollbacks, and a small SVG chart per probe of its
 * values over the run (booleans as 1/0), each measurement a dot, green when it passed, red when
 * not, with the method's steps shaded behind.
 */
import { SVG_CHART_DEFAULTS, escapeHtml, timeChart } from '../../observe/svg-chart.js';
import type { RunJournal } from './run-journal.js';

const escape = escapeHtml;
const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

export const HTML_REPORT_DEFAULTS = {
  chartWidth: SVG_CHART_DEFAULTS.width, // fits a laptop screen beside nothing else
  chartHeight: SVG_CHART_DEFAULTS.height, // enough to read a trend; a page of ten probes still scrolls little
};

function chart(journal: RunJournal, key: string): string {
  const points = journal.probes.filter((p) => p.key === key);
  const start = journal.startedAt;
  const end = Math.max(journal.endedAt ?? start, ...points.map((p) => p.at), start + 1);
  const values = points.map((p) => (typeof p.value === 'boolean' ? (p.value ? 1 : 0) : (p.value ?? 0)));
  return timeChart({
    label: key,
    fromMs: start,
    toMs: end,
    width: HTML_REPORT_DEFAULTS.chartWidth,
    height: HTML_REPORT_DEFAULTS.chartHeight,
    bands: journal.steps.map((s) => ({ fromMs: s.startedAt, toMs: s.endedAt ?? end, colour: '#fde68a', title: s.name })),
    lines: [{ points: points.map((p, i) => ({ at: p.at, value: values[i]! })), colour: '#64748b' }],
    dots: points.map((p, i) => ({ at: p.at, value: values[i]!, colour: p.ok ? '#16a34a' : '#dc2626', title: `${iso(p.at)} ${p.phase}: ${p.error ?? String(p.value)}` })),
  });
}

export function renderRunReport(journal: RunJournal): string {
  const keys = [...new Set(journal.probes.map((p) => p.key))];
  const colour = journal.status === 'passed' ? '#16a34a' : journal.status === 'running' ? '#2563eb' : '#dc2626';
  const rows = (list: RunJournal['steps']) => list.map((s) => `<tr><td>${escape(s.name)}</td><td>${escape(s.status)}</td><td>${iso(s.startedAt)}</td><td>${iso(s.endedAt)}</td><td>${escape(s.error ?? '')}</td></tr>`).join('');
  const probes = keys.map((key) => {
    const name = journal.probes.find((p) => p.key === key)!.name;
    const counted = journal.probes.filter((p) => p.key === key && p.counted);
    return `<section><h3>${escape(name)} <small>${escape(key)}: ${counted.filter((p) => p.ok).length}/${counted.length} passed</small></h3>${chart(journal, key)}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(journal.title)}: ${escape(journal.status)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:720px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}small{color:#666;font-weight:normal}</style></head>
<body><h1>${escape(journal.title)}</h1>
<p><strong style="color:${colour}">${escape(journal.status)}</strong>${journal.reason ? ` (${escape(journal.reason)})` : ''}, resilience score <strong>${journal.score ?? '-'}</strong></p>
<p>Hypothesis: ${escape(journal.experiment.steadyStateHypothesis.title)}</p>
<p>Run ${escape(journal.id)} by ${escape(journal.actor)}, ${iso(journal.startedAt)} to ${iso(journal.endedAt)}</p>
<h2>Steps</h2><table><tr><th>step</th><th>status</th><th>started</th><th>ended</th><th>error</th></tr>${rows(journal.steps)}</table>
<h2>Probes</h2>${probes.join('\n')}
<h2>Rollbacks</h2><table><tr><th>rollback</th><th>status</th><th>started</th><th>ended</th><th>error</th></tr>${rows(journal.rollbacks)}</table>
</body></html>
`;
}
