/** Reads current series values of a metric out of a prom-client registry. */
import type { Registry } from 'prom-client';
import { histogramSeries } from '../metrics.js';

export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  /** Said about this sample's value (a baseline it is compared with, say); carried onto the alert it raises. */
  annotations?: Record<string, string>;
}

export interface MetricSource {
  read(metric: string): Promise<Sample[]>;
}

/** A metric source over a registry; histogram series are addressed as `<name>_count` etc. */
export function registrySource(registry: Registry): MetricSource {
  return {
    async read(metric) {
      let found = registry.getSingleMetric(metric);
      if (!found) {
        const suffix = histogramSeries.find((s) => metric.endsWith(s));
        if (suffix) found = registry.getSingleMetric(metric.slice(0, -suffix.length));
      }
      if (!found) return [];
      const data = await found.get();
      return data.values
        .filter((v) => ((v as { metricName?: string }).metricName ?? data.name) === metric)
        .map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
    },
  };
}
