/**
 * Small SVG charts over time for the self-contained HTML reports (a chaos run's, the analytics
 * report): shaded bands (steps, incidents), lines and dots, drawn as inline SVG with no scripts and
 * no external files, every text escaped.
 */

/** Escapes text for HTML and SVG content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface ChartBand {
  fromMs: number;
  toMs: number;
  colour: string;
  title: string;
  /** Fill opacity (default 0.5). */
  opacity?: number;
}

export interface ChartPoint {
  at: number;
  value: number;
}

export interface ChartLine {
  points: readonly ChartPoint[];
  colour: string;
  /** The legend's name (drawn when a chart has a legend). */
  name?: string;
}

export interface ChartDot extends ChartPoint {
  colour: string;
  title: string;
}

export interface TimeChartOptions {
  /** The chart's accessible name. */
  label: string;
  fromMs: number;
  toMs: number;
  /** The value range drawn (default: 0 to 1, widened to the values). */
  lo?: number;
  hi?: number;
  bands?: readonly ChartBand[];
  lines?: readonly ChartLine[];
  dots?: readonly ChartDot[];
  /** The text under the chart (default: the value range and the length in seconds). */
  axis?: string;
  /** Draws the lines' names along the top. */
  legend?: boolean;
  width?: number;
  height?: number;
}

export const SVG_CHART_DEFAULTS = {
  width: 640, // fits a laptop screen beside nothing else
  height: 120, // enough to read a trend; a page of ten charts still scrolls little
};

const fixed = (n: number): string => n.toFixed(1);

/** One chart over [fromMs, toMs]: bands behind, then lines, then dots, then the axis text. */
export function timeChart(options: TimeChartOptions): string {
  const w = options.width ?? SVG_CHART_DEFAULTS.width;
  const h = options.height ?? SVG_CHART_DEFAULTS.height;
  const start = options.fromMs;
  const end = Math.max(options.toMs, start + 1);
  const values = [...(options.lines ?? []).flatMap((l) => l.points.map((p) => p.value)), ...(options.dots ?? []).map((d) => d.value)].filter(Number.isFinite);
  const lo = options.lo ?? Math.min(0, ...values);
  const hi = Math.max(options.hi ?? 1, ...(options.hi === undefined ? values : []), lo + Number.EPSILON);
  const x = (t: number): number => 4 + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * (w - 8);
  const y = (v: number): number => h - 14 - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * (h - 24);
  const bands = (options.bands ?? []).map(
    (b) => `<rect x="${fixed(x(b.fromMs))}" y="0" width="${fixed(Math.max(1, x(b.toMs) - x(b.fromMs)))}" height="${h - 12}" fill="${b.colour}" opacity="${b.opacity ?? 0.5}"><title>${escapeHtml(b.title)}</title></rect>`,
  );
  const lines = (options.lines ?? [])
    .filter((l) => l.points.length > 1)
    .map((l) => `<polyline fill="none" stroke="${l.colour}" points="${l.points.map((p) => `${fixed(x(p.at))},${fixed(y(p.value))}`).join(' ')}"/>`);
  const dots = (options.dots ?? []).map((d) => `<circle cx="${fixed(x(d.at))}" cy="${fixed(y(d.value))}" r="3" fill="${d.colour}"><title>${escapeHtml(d.title)}</title></circle>`);
  const legend = options.legend
    ? (options.lines ?? []).map((l, i) => `<text x="${4 + i * 70}" y="10" font-size="10" fill="${l.colour}">${escapeHtml(l.name ?? '')}</text>`)
    : [];
  const axis = `<text x="4" y="${h - 2}" font-size="10">${escapeHtml(options.axis ?? `${lo}..${hi}, ${Math.round((end - start) / 1000)} s`)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(options.label)}">${bands.join('')}${lines.join('')}${dots.join('')}${legend.join('')}${axis}</svg>`;
}
