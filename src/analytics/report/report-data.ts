/**
 * The analytics report's content over a range, as JSON: per dependency its outcome counts,
 * latency percentiles and error rate over time, and its MTTR/MTBF; the incidents; each SLO's status
 * and its budget burn over the range. `renderAnalyticsReport` (html.ts) draws it as a page.
 */
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { checkInteger } from '../../core/option-checks.js';
import { type Cell, mergeCell, newCell } from '../cell.js';
import type { Incident, IncidentLog } from '../incident-log.js';
import { countAbove, quantileOf, resolveSketchOptions, type SketchOptions } from '../latency-sketch.js';
import { type OutcomeCounts, badOf, totalOf } from '../outcomes.js';
import type { AnalyticsReader } from '../reader.js';
import { observedFrom, type Reliability, RELIABILITY_KINDS, reliabilityOf } from '../reliability.js';
import type { SloDefinition, SloEvaluator, SloStatus } from '../slo.js';

export const REPORT_DEFAULTS = {
  maxPoints: 200, // points per chart line: a day in ~7-minute steps, finer than a 640 px chart shows
  maxIncidents: 1_000, // a month of a busy deployment's incidents; more are counted, not listed
};

/** The latency percentiles of the report (successful calls), keyed p50, p90, p99, p99_9. */
export const REPORT_QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;

export interface ReportPoint {
  /** The start of the chart step. */
  at: number;
  calls: number;
  /** Failures, timeouts and refusals over every call; null without calls. */
  errorRatio: number | null;
  /** Percentiles of the step's successful calls (ms); null without one. */
  latencyMs: Record<string, number> | null;
}

export interface DependencyReport {
  name: string;
  counts: OutcomeCounts;
  errorRatio: number | null;
  latencyMs: Record<string, number> | null;
  points: ReportPoint[];
  reliability: Reliability;
}

export interface SloBurnPoint {
  at: number;
  /** (bad / calls) / (1 - objective) over the step; null without calls. */
  burnRate: number | null;
  /** 1 - bad / allowed, counting from the range's start; 1 before the first call. */
  budgetRemainingRatio: number;
}

export interface SloReport {
  status: SloStatus;
  /** Over the report's range. */
  calls: number;
  badCalls: number;
  points: SloBurnPoint[];
}

export interface AnalyticsReport {
  fromMs: number;
  toMs: number;
  generatedAt: number;
  /** The chart step: a multiple of the recording's bucket. */
  stepMs: number;
  dependencies: DependencyReport[];
  /** Incidents overlapping the range, oldest first. */
  incidents: Incident[];
  /** Incidents left out past `maxIncidents`. */
  incidentsLeftOut: number;
  slos: SloReport[];
}

export interface ReportOptions {
  reader: AnalyticsReader;
  incidents: IncidentLog;
  evaluator?: SloEvaluator;
  fromMs: number;
  toMs: number;
  sketch?: SketchOptions;
  maxPoints?: number;
  maxIncidents?: number;
  clock?: Clock;
}

const percentiles = (cell: Cell): Record<string, number> | null =>
  cell.counts.success === 0 ? null : Object.fromEntries(REPORT_QUANTILES.map((q) => [`p${String(+(q * 100).toFixed(3))}`.replace('.', '_'), quantileOf(cell.successLatency, q)]));

/** Reads the report's content from the recording, the incident log and the SLOs. */
export async function analyticsReport(options: ReportOptions): Promise<AnalyticsReport> {
  const clock = options.clock ?? systemClock;
  const maxPoints = options.maxPoints ?? REPORT_DEFAULTS.maxPoints;
  const maxIncidents = options.maxIncidents ?? REPORT_DEFAULTS.maxIncidents;
  checkInteger('analyticsReport', 'maxPoints', maxPoints, 1);
  checkInteger('analyticsReport', 'maxIncidents', maxIncidents, 1);
  const { fromMs, toMs } = options;
  if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs)) throw new RangeError(`analyticsReport: toMs must be after fromMs (got ${fromMs} to ${toMs})`);
  const sketch = resolveSketchOptions(options.sketch);
  const now = clock.now();
  const tierMs = options.reader.tierFor(fromMs).bucketMs;
  const stepMs = Math.max(1, Math.ceil((toMs - fromMs) / maxPoints / tierMs)) * tierMs;
  const steps = (rows: { bucketStart: number; cell: Cell }[]): Map<number, Cell> => {
    const out = new Map<number, Cell>();
    for (const row of rows) {
      const at = Math.floor(row.bucketStart / stepMs) * stepMs;
      const cell = out.get(at) ?? newCell(sketch);
      mergeCell(cell, row.cell);
      out.set(at, cell);
    }
    return out;
  };

  const all = await options.incidents.list({ fromMs, toMs, limit: maxIncidents + 1 });
  const incidents = all.slice(0, maxIncidents).sort((a, b) => a.startedAt - b.startedAt);
  // MTBF counts up-time only from when incidents began to be recorded.
  const judgedFrom = observedFrom(fromMs, toMs, await options.incidents.observedSince());

  const dependencies: DependencyReport[] = [];
  for (const name of await options.reader.dependencies(fromMs, toMs)) {
    const rows = await options.reader.series(name, fromMs, toMs);
    const whole = newCell(sketch);
    for (const row of rows) mergeCell(whole, row.cell);
    const points = [...steps(rows)].map(([at, cell]): ReportPoint => {
      const calls = totalOf(cell.counts);
      return { at, calls, errorRatio: calls > 0 ? badOf(cell.counts) / calls : null, latencyMs: percentiles(cell) };
    });
    const calls = totalOf(whole.counts);
    const own = incidents.filter((i) => i.dependency === name && RELIABILITY_KINDS.includes(i.kind));
    dependencies.push({ name, counts: whole.counts, errorRatio: calls > 0 ? badOf(whole.counts) / calls : null, latencyMs: percentiles(whole), points, reliability: reliabilityOf(name, own, judgedFrom, toMs, now) });
  }
  // Dependencies with incidents but no calls recorded (the gate, an exchange, an alert rule) get their figures too.
  for (const name of new Set(incidents.filter((i) => RELIABILITY_KINDS.includes(i.kind)).map((i) => i.dependency))) {
    if (dependencies.some((d) => d.name === name)) continue;
    const own = incidents.filter((i) => i.dependency === name && RELIABILITY_KINDS.includes(i.kind));
    dependencies.push({ name, counts: { success: 0, failure: 0, timeout: 0, rejected: 0 }, errorRatio: null, latencyMs: null, points: [], reliability: reliabilityOf(name, own, judgedFrom, toMs, now) });
  }

  const slos: SloReport[] = [];
  for (const slo of options.evaluator?.slos ?? []) {
    const status = await options.evaluator!.status(slo, Math.min(toMs, now));
    slos.push({ status, ...(await burn(slo, options.reader, fromMs, toMs, steps, stepMs)) });
  }
  return { fromMs, toMs, generatedAt: now, stepMs, dependencies, incidents, incidentsLeftOut: Math.max(0, all.length - maxIncidents), slos };
}

/** An SLO's burn rate per step and its budget left counted from the range's start. */
async function burn(slo: SloDefinition, reader: AnalyticsReader, fromMs: number, toMs: number, steps: (rows: { bucketStart: number; cell: Cell }[]) => Map<number, Cell>, stepMs: number): Promise<Omit<SloReport, 'status'>> {
  const budget = (100 - slo.objectivePercent) / 100;
  const rows = await reader.series(slo.dependency, fromMs, toMs);
  let calls = 0;
  let badCalls = 0;
  const points: SloBurnPoint[] = [];
  for (const [at, cell] of steps(rows)) {
    const total = slo.kind === 'availability' ? totalOf(cell.counts) : cell.counts.success;
    const bad = slo.kind === 'availability' ? badOf(cell.counts) : countAbove(cell.successLatency, slo.thresholdMs ?? Infinity);
    calls += total;
    badCalls += bad;
    points.push({ at: at + stepMs, burnRate: total > 0 ? bad / total / budget : null, budgetRemainingRatio: calls > 0 ? 1 - badCalls / (calls * budget) : 1 });
  }
  return { calls, badCalls, points };
}
