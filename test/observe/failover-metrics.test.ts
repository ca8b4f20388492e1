/**
 * A failover group's metrics: endpoint state, calls by outcome, ejections by rule, latency, share,
 * routing mode, active priority and routable share, every known series from 0; and both exposition
 * formats pass `promtool check metrics` (the OpenMetrics one but for promtool's known blind spot on
 * counter families, as test/integration/prometheus-agreement.test.ts explains).
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { observeFailover } from '../../src/observe/failover-metrics.js';
import { type Metrics, createMetrics, metricNames } from '../../src/observe/metrics.js';
import { run } from '../support/prometheus.js';
import { probeTool } from '../support/prometheus.js';
import { requireService } from '../support/services.js';
import { eject, restGroup, succeed } from '../support/failover-groups.js';

const promtool = await requireService('promtool', () => probeTool('promtool'));

interface Parsed {
  name: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string }>;
}

async function scrape(metrics: Metrics): Promise<Map<string, Parsed>> {
  const parsed = parsePrometheusTextFormat(await metrics.text()) as Parsed[];
  return new Map(parsed.map((m) => [m.name, m]));
}

function valueOf(families: Map<string, Parsed>, name: string, labels: Record<string, string>): number | undefined {
  const series = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return series?.value === undefined ? undefined : Number(series.value);
}

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const metrics = createMetrics({ defaultMetrics: false });
  const group = restGroup(clock);
  return { clock, metrics, group, off: observeFailover(metrics, group) };
}

describe('failover metrics', () => {
  it('starts every call outcome and ejection rule at 0, then counts calls and ejections as they happen', async () => {
    const { metrics, group } = setup();
    let families = await scrape(metrics);
    const g = { group: 'binance:rest', endpoint: 'api1' };
    for (const outcome of ['success', 'gateway', 'failure', 'neutral']) expect(valueOf(families, metricNames.failoverCalls, { ...g, outcome })).toBe(0);
    expect(valueOf(families, metricNames.failoverEjections, { ...g, reason: 'consecutive-gateway-failures' })).toBe(0);
    // No call, no latency series.
    expect(families.get(metricNames.failoverLatency)?.metrics ?? []).toEqual([]);

    eject(group, 'api1');
    succeed(group, 10, 40);
    families = await scrape(metrics);
    expect(valueOf(families, metricNames.failoverCalls, { ...g, outcome: 'gateway' })).toBe(3);
    expect(valueOf(families, metricNames.failoverEjections, { ...g, reason: 'consecutive-gateway-failures' })).toBe(1);
    const successes = ['api1', 'api2', 'api3'].map((endpoint) => valueOf(families, metricNames.failoverCalls, { group: 'binance:rest', endpoint, outcome: 'success' }) ?? 0);
    expect(successes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(successes[0]).toBe(0); // ejected: no call went to api1
    expect(valueOf(families, metricNames.failoverEndpointState, { ...g, state: 'ejected' })).toBe(1);
    expect(valueOf(families, metricNames.failoverEndpointState, { ...g, state: 'healthy' })).toBe(0);
    expect(valueOf(families, metricNames.failoverEndpointState, { group: 'binance:rest', endpoint: 'api2', state: 'healthy' })).toBe(1);
    expect(valueOf(families, metricNames.failoverLatency, { group: 'binance:rest', endpoint: 'api2' })).toBeGreaterThan(0);
    expect(valueOf(families, metricNames.failoverRoutable, { group: 'binance:rest' })).toBeCloseTo(2 / 3);
  });

  it('shows the routing mode and the active priority: a forced backup level, then panic', async () => {
    const { metrics, group } = setup();
    group.forcePriority(1, { reason: 'drill', actor: 'alice' });
    let families = await scrape(metrics);
    expect(valueOf(families, metricNames.failoverRoutingMode, { group: 'binance:rest', mode: 'forced' })).toBe(1);
    expect(valueOf(families, metricNames.failoverRoutingMode, { group: 'binance:rest', mode: 'automatic' })).toBe(0);
    expect(valueOf(families, metricNames.failoverActivePriority, { group: 'binance:rest' })).toBe(1);
    group.automatic({ reason: 'drill over' });
    families = await scrape(metrics);
    expect(valueOf(families, metricNames.failoverActivePriority, { group: 'binance:rest' })).toBe(0);

    // A round-robin group that panics below 70 % routable: one ejection of three is enough.
    const clock = new ManualClock(0);
    const touchy = restGroup(clock, { name: 'touchy', panicThreshold: 0.7, strategy: 'roundRobin' });
    const off = observeFailover(metrics, touchy);
    eject(touchy, 'api1');
    families = await scrape(metrics);
    expect(valueOf(families, metricNames.failoverRoutingMode, { group: 'touchy', mode: 'panic' })).toBe(1);
    expect(valueOf(families, metricNames.failoverRoutingMode, { group: 'touchy', mode: 'automatic' })).toBe(0);
    expect(valueOf(families, metricNames.failoverRoutable, { group: 'touchy' })).toBeCloseTo(2 / 3);
    off();
  });

  it('removes the group\'s series when unbound', async () => {
    const { metrics, off } = setup();
    expect((await metrics.text())).toContain('bulwark_failover_calls_total{group="binance:rest"');
    off();
    expect((await metrics.text())).not.toMatch(/bulwark_failover_\w+\{group=/);
  });

  it.skipIf(!promtool)('passes promtool check metrics in the text format, and in OpenMetrics but for its counter-family blind spot', async () => {
    const { metrics, group } = setup();
    eject(group, 'api1');
    succeed(group, 5);
    const text = await metrics.text();
    const checked = await run('promtool', ['check', 'metrics'], text);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
    const open = await metrics.openMetrics();
    const findings = (await run('promtool', ['check', 'metrics'], open)).output.split('\n').filter((l) => l !== '');
    const counters = new Set([...open.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]));
    expect(findings.filter((l) => !(/^(\S+)_total no help text$/.exec(l) && counters.has(/^(\S+)_total/.exec(l)![1])))).toEqual([]);
    expect(open).toContain('# TYPE bulwark_failover_calls counter');
  });
});
