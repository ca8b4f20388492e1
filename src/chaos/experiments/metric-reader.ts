/**
 * Reads one figure from a prom-client registry, the way a PromQL query would over one scrape:
 * the sum of the samples matching some labels, a quantile of a histogram (linear within the
 * bucket, as `histogram_quantile` does), a histogram's mean, or the share one label set holds of
 * another (an error rate: failed calls over all calls). Counters count since the process started.
 */

export interface MetricQuery {
  name: string;
  labels?: Record<string, string>;
  stat?: 'value' | 'quantile' | 'mean' | 'share';
  /** For `quantile`: 0-1, e.g. 0.99. */
  quantile?: number;
  /** For `share`: the labels of the whole (the query's own labels select the part). */
  ofLabels?: Record<string, string>;
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

const matches = (sample: Sample, labels: Record<string, string> = {}): boolean => Object.entries(labels).every(([k, v]) => String(sample.labels[k]) === v);

/**
 * The part of a prom-client `Registry` a probe reads, written out so the chaos entry's types need
 * no prom-client (an optional peer) in a consumer's project.
 */
export interface MetricRegistry {
  getSingleMetric(name: string): { get(): Promise<{ values: readonly unknown[] }> | { values: readonly unknown[] } } | undefined;
}

/** The figure asked for; throws a RangeError naming the metric when it is missing or has no samples. */
export async function readMetric(registry: MetricRegistry, query: MetricQuery): Promise<number> {
  const metric = registry.getSingleMetric(query.name);
  if (!metric) throw new RangeError(`metric ${query.name} is not registered`);
  const values = (await metric.get()).values as Sample[];
  const samples = values.filter((s) => matches(s, query.labels));
  const stat = query.stat ?? 'value';
  if (stat === 'value') return samples.filter((s) => s.metricName === undefined || s.metricName === query.name).reduce((sum, s) => sum + s.value, 0);
  if (stat === 'share') {
    const all = values.filter((s) => matches(s, query.ofLabels));
    const whole = all.filter((s) => !s.metricName?.endsWith('_bucket')).reduce((sum, s) => sum + s.value, 0);
    const part = samples.filter((s) => !s.metricName?.endsWith('_bucket')).reduce((sum, s) => sum + s.value, 0);
    return whole === 0 ? 0 : part / whole;
  }
  const count = samples.filter((s) => s.metricName === `${query.name}_count`).reduce((sum, s) => sum + s.value, 0);
  if (stat === 'mean') {
    const total = samples.filter((s) => s.metricName === `${query.name}_sum`).reduce((sum, s) => sum + s.value, 0);
    return count === 0 ? 0 : total / count;
  }
  return histogramQuantile(query.quantile ?? 0.99, samples.filter((s) => s.metricName === `${query.name}_bucket`));
}

/** `histogram_quantile` over cumulative buckets (summed across series with the same `le`). */
export function histogramQuantile(q: number, buckets: readonly Sample[]): number {
  const byLe = new Map<number, number>();
  for (const b of buckets) {
    const le = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + b.value);
  }
  const sorted = [...byLe].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return lowerLe;
      return lowerLe + ((le - lowerLe) * (rank - lowerCount)) / Math.max(1e-12, count - lowerCount);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}
