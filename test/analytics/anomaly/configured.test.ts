/**
 * The `analytics.anomaly` block: loaded with the detector's defaults, refused with the file, key
 * and reason, and, in the service's analytics, a detector over each breaker and the registry's
 * counters whose `anomaly-*` rules are in the engine but not in the Prometheus rule file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/loader.js';
import { configuredAnalytics, type ConfiguredAnalytics } from '../../../src/server/configured-analytics.js';
import { sqliteStorage, type SqliteStorage } from '../../../src/storage/sqlite.js';
import { circuitBreaker } from '../../../src/policies/breaker/index.js';
import { AlertEngine } from '../../../src/observe/alerts/engine.js';
import { isAnomalyRule } from '../../../src/analytics/index.js';

const load = (yaml: string) => loadConfig({ environment: {}, readFile: (path) => (path.replace(/\\/g, '/') === 'config/default.yaml' ? yaml : undefined) });

function issuesOf(yaml: string): ConfigError['issues'] {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('analytics.anomaly in the configuration', () => {
  let db: SqliteStorage | undefined;
  let analytics: ConfiguredAnalytics | undefined;
  afterEach(async () => {
    await analytics?.close();
    await db?.close();
  });

  it('is on by default and takes the options it is given', () => {
    expect(load('').config.analytics.anomaly).toEqual({ enabled: true });
    expect(load('analytics:\n  anomaly: { enabled: true, deviations: 5, seasonality: none }\n').config.analytics.anomaly).toEqual({ enabled: true, deviations: 5, seasonality: 'none' });
  });

  it('refuses bad values naming the file, the key and the reason', () => {
    const source = 'config/default.yaml';
    expect(issuesOf('analytics:\n  anomaly: { enabled: true, deviations: 0 }\n')).toEqual([{ path: 'analytics.anomaly.deviations', source, reason: expect.stringContaining('0') }]);
    expect(issuesOf('analytics:\n  anomaly: { enabled: true, seasonality: weekly }\n')[0]).toMatchObject({ path: 'analytics.anomaly.seasonality', source });
    expect(issuesOf('analytics:\n  anomaly: { enabled: true, windowMs: 5 }\n')[0]).toMatchObject({ path: 'analytics.anomaly.windowMs', source, reason: 'unknown key (check the spelling)' });
    expect(issuesOf('analytics:\n  anomaly: { enabled: true, seasonDays: 3, keepDays: 2 }\n')).toEqual([{ path: 'analytics.anomaly.keepDays', source, reason: expect.stringContaining('at least seasonDays (3)') }]);
  });

  it("watches each breaker and the registry's counters, with an anomaly rule each in the engine", async () => {
    db = await sqliteStorage({ path: ':memory:' });
    const { config } = load('');
    analytics = await configuredAnalytics(config, { storage: db, instance: 'test' });
    const metrics = { read: () => Promise.resolve([]) };
    const alerts = new AlertEngine({ source: analytics.source(metrics) });
    const off = analytics.attach({ breakers: [circuitBreaker({ name: 'binance:orders' })], exchanges: [], alerts, metrics });
    expect(analytics.anomalies!.specs().map((s) => [s.name, s.kind])).toEqual([
      ['binance:orders latency', 'latency'],
      ['binance:orders errors', 'error-rate'],
      ['orders placed', 'order-rate'],
      ['429s', 'throttle-rate'],
    ]);
    const anomalyRules = alerts.list().filter((s) => isAnomalyRule(s.rule)).map((s) => s.rule.name);
    expect(anomalyRules).toEqual(['anomaly-binance_orders_latency', 'anomaly-binance_orders_errors', 'anomaly-orders_placed', 'anomaly-429s']);
    off();
  });

  it("keeps the detector's learned hours in the storage: written at close, read back by the next start", async () => {
    db = await sqliteStorage({ path: ':memory:' });
    const { config } = load('analytics:\n  anomaly: { enabled: true, timeZone: Europe/London }\n');
    const metrics = { read: () => Promise.resolve([]) };
    const started = async (): Promise<ConfiguredAnalytics> => {
      const made = await configuredAnalytics(config, { storage: db!, instance: 'service-a' });
      made.attach({ breakers: [circuitBreaker({ name: 'binance:orders' })], exchanges: [], alerts: new AlertEngine({ source: made.source(metrics) }), metrics })();
      return made;
    };
    const first = await started();
    // An hour of points two hours ago, and the first point of the next hour: one hour summarised, one being filled.
    const hourStart = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    for (let t = hourStart; t <= hourStart + 3_600_000; t += 10_000) first.anomalies!.observe('binance:orders latency', { atMs: t, value: 100 });
    await first.close();
    analytics = await started();
    expect(analytics.profiles!.stats().loaded).toBe(2);
    expect(analytics.anomalies!.profiles().find((p) => p.series === 'binance:orders latency')!.hours).toEqual([
      { startedAt: hourStart, baseline: 100, spread: 0, points: 360 },
      { startedAt: hourStart + 3_600_000, baseline: 100, spread: 0, points: 1 },
    ]);
  });

  it('adds no detector when turned off', async () => {
    db = await sqliteStorage({ path: ':memory:' });
    analytics = await configuredAnalytics(load('analytics:\n  anomaly: { enabled: false }\n').config, { storage: db, instance: 'test' });
    const alerts = new AlertEngine({ source: analytics.source({ read: () => Promise.resolve([]) }) });
    analytics.attach({ breakers: [circuitBreaker({ name: 'binance:orders' })], exchanges: [], alerts })();
    expect(analytics.anomalies).toBeUndefined();
    expect(alerts.list().filter((s) => isAnomalyRule(s.rule))).toEqual([]);
  });
});
