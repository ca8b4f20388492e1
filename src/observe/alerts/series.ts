/**
 * A rule's series: the samples of its metric that match, grouped by its `by` labels (PromQL's
 * `aggregate by (...)`), aggregated, and for `rate` rules turned into a per-second increase over
 * the rule's range from the readings kept between evaluations.
 */
import type { AlertRule } from './rule.js';
import type { Sample } from './source.js';

/** One aggregated series of a rule: its `by` labels and its value. */
export interface AlertSeries {
  labels: Record<string, string>;
  value: number;
  /** The annotations of the sample that gave the value (value rules, max/min or a single sample). */
  annotations?: Record<string, string>;
}

/** Counter readings for rate(), per series key: [time, value]. */
export type Readings = Map<string, Array<[number, number]>>;

function aggregate(samples: Sample[], how: AlertRule['aggregate']): number {
  if (samples.length === 0) return NaN;
  const values = samples.map((s) => s.value);
  switch (how) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/** Prometheus equality matchers: a missing label matches the empty string. */
function matches(sample: Sample, match: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(match)) if (String(sample.labels[k] ?? '') !== v) return false;
  return true;
}

/** Splits samples by their `by` labels, as PromQL's `aggregate by (...)` does. */
function groupBy(samples: Sample[], by: readonly string[]): Map<string, { labels: Record<string, string>; samples: Sample[] }> {
  const groups = new Map<string, { labels: Record<string, string>; samples: Sample[] }>();
  for (const sample of samples) {
    const labels: Record<string, string> = {};
    // A label missing (or empty) on a sample is absent from the group's labels, as in Prometheus.
    for (const l of by) {
      const v = String(sample.labels[l] ?? '');
      if (v !== '') labels[l] = v;
    }
    const key = JSON.stringify(by.map((l) => labels[l] ?? ''));
    const group = groups.get(key) ?? { labels, samples: [] };
    group.samples.push(sample);
    groups.set(key, group);
  }
  return groups;
}

/** Per-second increase of a counter reading over `rangeMs`, from the readings kept under `key`. */
function rate(byKey: Readings, key: string, value: number, now: number, rangeMs: number): number {
  const readings = byKey.get(key) ?? [];
  byKey.set(key, readings);
  if (Number.isFinite(value)) readings.push([now, value]);
  while (readings.length > 2 && readings[1]![0] <= now - rangeMs) readings.shift();
  if (readings.length < 2) return NaN;
  let increase = 0;
  for (let i = 1; i < readings.length; i++) {
    const delta = readings[i]![1] - readings[i - 1]![1];
    // A counter that went down was reset: count its new value as the increase.
    increase += delta >= 0 ? delta : readings[i]![1];
  }
  const seconds = (readings[readings.length - 1]![0] - readings[0]![0]) / 1_000;
  return seconds > 0 ? increase / seconds : NaN;
}

/**
 * One value per `by` group (a single unlabelled one without `by`); no entry when no series matched.
 * `readings` keeps a rate rule's counter readings between evaluations.
 */
export function seriesOf(rule: AlertRule, samples: Sample[], readings: Readings, now: number): AlertSeries[] {
  const out: AlertSeries[] = [];
  for (const [key, group] of groupBy(samples.filter((s) => matches(s, rule.match)), rule.by)) {
    const value = aggregate(group.samples, rule.aggregate);
    if (rule.fn === 'value') {
      out.push({ labels: group.labels, value, ...annotationsOf(group.samples, rule.aggregate, value) });
      continue;
    }
    const perSecond = rate(readings, key, value, now, rule.rangeMs);
    if (Number.isFinite(perSecond)) out.push({ labels: group.labels, value: perSecond });
  }
  return out;
}

/** The annotations of the sample the value came from: the one sample, or for max/min the first sample holding it. */
function annotationsOf(samples: Sample[], how: AlertRule['aggregate'], value: number): { annotations?: Record<string, string> } {
  const from = samples.length === 1 ? samples[0] : how === 'max' || how === 'min' ? samples.find((s) => s.value === value) : undefined;
  return from?.annotations ? { annotations: from.annotations } : {};
}

/** The identity of a set of series (their labels), to notice when it changes. */
export function seriesKey(series: AlertSeries[]): string {
  return series
    .map((s) => JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b))))
    .sort()
    .join('|');
}

/** Orders series worst first: highest for `>`/`>=`, lowest for `<`/`<=`. */
export function worstFirst(condition: AlertRule['condition']): (a: AlertSeries, b: AlertSeries) => number {
  return condition === '<' || condition === '<=' ? (a, b) => a.value - b.value : (a, b) => b.value - a.value;
}
