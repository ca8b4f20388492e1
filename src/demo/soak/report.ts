/** The soak's verdict as a table for a terminal: one line per invariant, then the figures. */
import type { SoakResult } from './verdict.js';

export function formatSoakReport(result: SoakResult): string {
  const rows = result.invariants.map((i) => [i.name, i.ok ? 'ok' : 'FAILED', i.measured, i.limit]);
  const header = ['invariant', 'result', 'measured', 'limit'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const line = (cells: string[]): string => cells.map((c, col) => c.padEnd(widths[col]!)).join('  ').trimEnd();
  const out = [`soak: ${result.minutes} minutes, ${result.ok ? 'every invariant held' : `${failedCount(result)} FAILED`}`, '', line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const [index, row] of rows.entries()) {
    out.push(line(row));
    for (const detail of result.invariants[index]!.details) out.push(`    ${detail}`);
  }
  out.push('', ...Object.entries(result.figures).map(([key, value]) => `${key}: ${String(value)}`));
  return out.join('\n');
}

function failedCount(result: SoakResult): string {
  const n = result.invariants.filter((i) => !i.ok).length;
  return `${n} invariant${n === 1 ? '' : 's'}`;
}
