/**
 * The metric vocabulary through OpenTelemetry: `otelMetrics(metrics, meter)` exposes every metric
 * of a `Metrics` registry as an asynchronous OpenTelemetry instrument, read from the registry at
 * each collection (one batch callback), so an application that exports OTLP instead of being
 * scraped gets the same names, labels (as attributes) and values. Counters become observable
 * counters and gauges observable gauges. OpenTelemetry has no asynchronous histogram, so a
 * histogram's series go out as Prometheus spells them: `<name>_count` and `<name>_sum` counters
 * and a `<name>_bucket` counter per `le` bound (cumulative).
 */
import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import { checkShape } from '../core/option-checks.js';
import { type Metrics, histogramSeries } from './metrics.js';

export interface OtelMetricsBridge {
  /** The instrument names registered with the meter. */
  readonly instruments: readonly string[];
  /** Stops reporting (removes the batch callback). */
  close(): void;
}

/** prom-client's JSON form of one metric (the fields the bridge reads). */
interface MetricJson {
  name: string;
  help: string;
  type: string;
  values: Array<{ value: number; labels: Record<string, string | number | undefined>; metricName?: string }>;
}

function attributesOf(labels: Record<string, string | number | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(labels)) if (value !== undefined) out[key] = value;
  return out;
}

/** Reports every metric of `metrics` through `meter` (see the module comment). */
export function otelMetrics(metrics: Metrics, meter: Meter): OtelMetricsBridge {
  checkShape('otelMetrics', 'metrics.registry', (metrics as Partial<Metrics> | null)?.registry, 'a prom-client Registry (from createMetrics())', ['getMetricsAsJSON']);
  checkShape('otelMetrics', 'meter', meter, 'an OpenTelemetry Meter (metrics.getMeter(...))', ['addBatchObservableCallback']);
  const instruments = new Map<string, Observable>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, help } = metric;
    // prom-client types `type` as a numeric enum; at run time it is the name ('counter', ...).
    const type = metric.type as unknown as string;
    if (type === 'histogram') {
      for (const series of histogramSeries) {
        instruments.set(`${name}${series}`, meter.createObservableCounter(`${name}${series}`, { description: help }));
      }
    } else if (type === 'counter') {
      instruments.set(name, meter.createObservableCounter(name, { description: help }));
    } else {
      instruments.set(name, meter.createObservableGauge(name, { description: help }));
    }
  }
  const observe = async (result: BatchObservableResult): Promise<void> => {
    const all = (await metrics.registry.getMetricsAsJSON()) as unknown as MetricJson[];
    for (const metric of all) {
      for (const sample of metric.values) {
        const instrument = instruments.get(sample.metricName ?? metric.name);
        if (instrument) result.observe(instrument, sample.value, attributesOf(sample.labels));
      }
    }
  };
  const observables = [...instruments.values()];
  meter.addBatchObservableCallback(observe, observables);
  return {
    instruments: [...instruments.keys()],
    close: () => meter.removeBatchObservableCallback(observe, observables),
  };
}
