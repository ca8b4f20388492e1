/** otelMetrics(): the metric vocabulary collected through the real OpenTelemetry metrics SDK. */
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createMetrics, metricNames } from '../../src/observe/metrics.js';
import { otelMetrics } from '../../src/observe/otel-metrics.js';

/** A reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function collect(reader: TestReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
  return out;
}

function setup(): { metrics: ReturnType<typeof createMetrics>; reader: TestReader; bridge: ReturnType<typeof otelMetrics> } {
  const metrics = createMetrics();
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const bridge = otelMetrics(metrics, provider.getMeter('bulwark-test'));
  return { metrics, reader, bridge };
}

describe('otelMetrics', () => {
  it('reports counters and gauges with their labels as attributes', async () => {
    const { metrics, reader } = setup();
    metrics.breakerCalls.inc({ name: 'binance', kind: 'successful' }, 3);
    metrics.breakerCalls.inc({ name: 'binance', kind: 'failed' });
    metrics.dlqDepth.set({ queue: 'orders' }, 7);
    const collected = await collect(reader);

    const calls = collected.get(metricNames.breakerCalls);
    expect(calls?.dataPointType).toBe(DataPointType.SUM);
    expect(calls?.dataPoints.map((p) => [p.attributes, p.value])).toEqual(
      expect.arrayContaining([
        [{ name: 'binance', kind: 'successful' }, 3],
        [{ name: 'binance', kind: 'failed' }, 1],
      ]),
    );
    const depth = collected.get(metricNames.dlqDepth);
    expect(depth?.dataPointType).toBe(DataPointType.GAUGE);
    expect(depth?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[{ queue: 'orders' }, 7]]);
    expect(depth?.descriptor.description).toBe('Items in a dead-letter queue');
  });

  it('reports a histogram as cumulative _count, _sum and _bucket series; later collections see new values', async () => {
    const { metrics, reader } = setup();
    metrics.callDuration.observe({ name: 'binance', kind: 'successful' }, 0.02);
    metrics.callDuration.observe({ name: 'binance', kind: 'successful' }, 0.3);
    let collected = await collect(reader);
    const count = collected.get(`${metricNames.callDuration}_count`);
    expect(count?.dataPoints.map((p) => p.value)).toEqual([2]);
    expect(collected.get(`${metricNames.callDuration}_sum`)?.dataPoints[0]?.value).toBeCloseTo(0.32, 10);
    const buckets = collected.get(`${metricNames.callDuration}_bucket`)?.dataPoints ?? [];
    expect(buckets.length).toBeGreaterThan(2);
    expect(buckets.find((p) => p.attributes.le === '+Inf')?.value).toBe(2);

    metrics.callDuration.observe({ name: 'binance', kind: 'successful' }, 0.1);
    collected = await collect(reader);
    expect(collected.get(`${metricNames.callDuration}_count`)?.dataPoints.map((p) => p.value)).toEqual([3]);
  });

  it('close() stops reporting; bad arguments are named', async () => {
    const { metrics, reader, bridge } = setup();
    expect(bridge.instruments).toContain(metricNames.breakerCalls);
    metrics.dlqDepth.set({ queue: 'orders' }, 1);
    bridge.close();
    const collected = await collect(reader);
    expect(collected.get(metricNames.dlqDepth)?.dataPoints ?? []).toEqual([]);
    expect(() => otelMetrics({} as never, {} as never)).toThrow('otelMetrics: metrics.registry must be a prom-client Registry (from createMetrics()) (with getMetricsAsJSON())');
    expect(() => otelMetrics(metrics, {} as never)).toThrow('otelMetrics: meter must be an OpenTelemetry Meter (metrics.getMeter(...)) (with addBatchObservableCallback())');
  });
});
