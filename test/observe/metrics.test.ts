import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { LabelCap, OVERFLOW_LABEL } from '../../src/observe/label-cap.js';
import { Metrics, createMetrics, metricNames } from '../../src/observe/metrics.js';
import { registrySource } from '../../src/observe/alerts/source.js';
import { observeBreaker, observeBulkhead, observeRetry, observeTimeout } from '../../src/observe/bind-policies.js';
import { backoff, bulkhead, circuitBreaker, retry, timeout } from '../../src/index.js';

interface Parsed {
  name: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; count?: string }>;
}

async function scrape(metrics: Metrics): Promise<Map<string, Parsed>> {
  const parsed = parsePrometheusTextFormat(await metrics.text()) as Parsed[];
  return new Map(parsed.map((m) => [m.name, m]));
}

function valueOf(family: Parsed | undefined, labels: Record<string, string>): number | undefined {
  const series = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return series?.value === undefined ? undefined : Number(series.value);
}

describe('Metrics', () => {
  it('exposes every metric of the vocabulary in valid Prometheus text', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.healthScore.set(87);
    const families = await scrape(metrics);
    expect(valueOf(families.get(metricNames.healthScore), {})).toBe(87);
    for (const name of Object.values(metricNames)) {
      const help = (await metrics.text()).includes(`# HELP ${name} `);
      expect(help, name).toBe(true);
    }
  });

  it('serves OpenMetrics from the same metrics', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.orders.inc({ exchange: 'binance', outcome: 'placed' });
    const text = await metrics.openMetrics();
    expect(text).toContain('bulwark_orders_total{exchange="binance",outcome="placed"} 1');
    expect(text.trim().endsWith('# EOF')).toBe(true);
    expect(metrics.openMetricsRegistry.contentType).toContain('application/openmetrics-text');
  });

  it('includes process and Node.js metrics by default, under their standard names', async () => {
    const text = await createMetrics().text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('bulwark_process_');
    // Gauges named like counters fail `promtool check metrics`; nodejs_active_handles carries the same counts.
    expect(text).not.toContain('nodejs_active_handles_total');
    expect(text).toContain('nodejs_active_handles');
  });

  it('keeps counter names with _total in the text format after an OpenMetrics scrape (regression)', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.orders.inc({ exchange: 'binance', outcome: 'unknown' });
    await metrics.openMetrics();
    const text = await metrics.text();
    expect(text).toContain('# TYPE bulwark_orders_total counter');
    expect(text).toContain('bulwark_orders_total{exchange="binance",outcome="unknown"} 1');
    // The alert engine reads the registry: it still finds the series.
    expect(await registrySource(metrics.registry).read(metricNames.orders)).toEqual([{ labels: { exchange: 'binance', outcome: 'unknown' }, value: 1 }]);
    expect(await metrics.openMetrics()).toContain('# TYPE bulwark_orders counter\nbulwark_orders_total{exchange="binance",outcome="unknown"} 1');
  });

  it('exposes the same families and sample names in both formats, process metrics included', async () => {
    const metrics = createMetrics();
    metrics.orders.inc({ exchange: 'binance', outcome: 'placed' });
    metrics.callDuration.observe({ name: 'x', kind: 'successful' }, 0.1);
    const samples = (body: string): string[] =>
      [...new Set(body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0]))].sort();
    const families = (body: string): number => body.split('\n').filter((l) => l.startsWith('# TYPE ')).length;
    const text = await metrics.text();
    const open = await metrics.openMetrics();
    expect(samples(open)).toEqual(samples(text));
    expect(families(open)).toBe(families(text));
    expect(samples(open).some((n) => n.startsWith('nodejs_'))).toBe(true);
  });
});

describe('LabelCap', () => {
  it('keeps known values and folds new ones into "other" past the cap, counting them', () => {
    const cap = new LabelCap(2);
    expect(cap.value('name', 'a')).toBe('a');
    expect(cap.value('name', 'b')).toBe('b');
    expect(cap.value('name', 'c')).toBe(OVERFLOW_LABEL);
    expect(cap.value('name', 'a')).toBe('a');
    expect(cap.value('other-label', 'c')).toBe('c');
    expect(cap.folded.get('name')).toBe(1);
  });

  it('rejects a cap that is not a positive integer, naming the option', () => {
    expect(() => new LabelCap(0)).toThrow('createMetrics: maxLabelValues must be an integer >= 1, got 0');
  });

  it('applies to policy names bound to metrics', async () => {
    const metrics = createMetrics({ defaultMetrics: false, maxLabelValues: 1 });
    observeTimeout(metrics, timeout({ ms: 10 }), 'first');
    const second = timeout({ ms: 10, clock: new ManualClock() });
    observeTimeout(metrics, second, 'second');
    const clock = new ManualClock();
    const third = timeout({ ms: 5, clock });
    observeTimeout(metrics, third, 'third');
    const call = third.execute(() => new Promise(() => undefined)).catch(() => undefined);
    await clock.advance(5);
    await call;
    expect(valueOf((await scrape(metrics)).get(metricNames.timeouts), { name: OVERFLOW_LABEL })).toBe(1);
  });
});

describe('policy binders', () => {
  it('report breaker calls, latency, transitions and the live state', async () => {
    const clock = new ManualClock();
    const metrics = createMetrics({ defaultMetrics: false });
    const breaker = circuitBreaker({ name: 'binance', window: { kind: 'consecutive', failures: 2 }, clock });
    observeBreaker(metrics, breaker);
    const slow = breaker.execute(() => clock.sleep(50).then(() => 1));
    await clock.advance(50);
    await slow;
    for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    await breaker.execute(() => 1).catch(() => undefined);
    const families = await scrape(metrics);
    expect(valueOf(families.get(metricNames.breakerCalls), { name: 'binance', kind: 'failed' })).toBe(2);
    expect(valueOf(families.get(metricNames.breakerCalls), { name: 'binance', kind: 'not_permitted' })).toBe(1);
    expect(valueOf(families.get(metricNames.breakerState), { name: 'binance', state: 'open' })).toBe(1);
    expect(valueOf(families.get(metricNames.breakerState), { name: 'binance', state: 'closed' })).toBe(0);
    expect(valueOf(families.get(metricNames.breakerTransitions), { name: 'binance', from: 'closed', to: 'open' })).toBe(1);
    const text = await metrics.text();
    expect(text).toContain(`${metricNames.callDuration}_count{name="binance",kind="successful"} 1`);
    expect(text).toContain(`${metricNames.callDuration}_sum{name="binance",kind="successful"} 0.05`);
  });

  it('report retries and give-ups by reason', async () => {
    const clock = new ManualClock();
    const metrics = createMetrics({ defaultMetrics: false });
    const policy = retry({ maxAttempts: 3, backoff: backoff.constant(10), clock });
    observeRetry(metrics, policy, 'orders');
    const call = policy.execute(() => Promise.reject(new Error('no'))).catch(() => undefined);
    await clock.advance(20);
    await call;
    const families = await scrape(metrics);
    expect(valueOf(families.get(metricNames.retryCalls), { name: 'orders', kind: 'retry' })).toBe(2);
    expect(valueOf(families.get(metricNames.retryCalls), { name: 'orders', kind: 'give_up_exhausted' })).toBe(1);
  });

  it('read bulkhead saturation at scrape time', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    observeBulkhead(metrics, policy, 'db');
    let release!: () => void;
    const running = policy.execute(() => new Promise<void>((r) => (release = r)));
    const queued = policy.execute(() => undefined);
    await policy.execute(() => undefined).catch(() => undefined);
    const families = await scrape(metrics);
    expect(valueOf(families.get(metricNames.bulkheadExecuting), { name: 'db' })).toBe(1);
    expect(valueOf(families.get(metricNames.bulkheadQueued), { name: 'db' })).toBe(1);
    expect(valueOf(families.get(metricNames.bulkheadMaxConcurrent), { name: 'db' })).toBe(1);
    expect(valueOf(families.get(metricNames.bulkheadRejected), { name: 'db', reason: 'queue_full' })).toBe(1);
    release();
    await Promise.all([running, queued]);
    expect(valueOf((await scrape(metrics)).get(metricNames.bulkheadExecuting), { name: 'db' })).toBe(0);
  });

  it('stop reporting once unbound', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const clock = new ManualClock();
    const policy = timeout({ ms: 5, clock });
    const unbind = observeTimeout(metrics, policy, 't');
    unbind();
    const call = policy.execute(() => new Promise(() => undefined)).catch(() => undefined);
    await clock.advance(5);
    await call;
    expect(valueOf((await scrape(metrics)).get(metricNames.timeouts), { name: 't' })).toBeUndefined();
  });
});
