/**
 * The PostgreSQL replica metrics: lag in seconds and condition per `host:port` (the primary's
 * included), the primary's fallback reads counted; the hosts are measured again on every scrape
 * (refreshHosts), a scrape goes on when the measurement fails, the unbinder removes the series;
 * the exposition passes `promtool check metrics`. And the alert rule: over the state gauge, by host,
 * and accepted by `promtool check rules` once exported.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { toPrometheusRules, toPromQL } from '../../src/observe/alerts/export.js';
import { parseAlertRule } from '../../src/observe/alerts/rule.js';
import { type Metrics, createMetrics, metricNames } from '../../src/observe/metrics.js';
import { postgresReplicaAlertRules } from '../../src/observe/postgres-replica-alerts.js';
import { observePostgresReplicas, type PostgresReplicasLike } from '../../src/observe/postgres-replica-metrics.js';
import { probeTool, run } from '../support/prometheus.js';
import { requireService } from '../support/services.js';
import { tempDir } from '../storage/helpers.js';

const promtool = await requireService('promtool', () => probeTool('promtool'));

interface Parsed {
  name: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string }>;
}

async function scrape(metrics: Metrics): Promise<Map<string, Parsed>> {
  const parsed = parsePrometheusTextFormat(await metrics.text()) as Parsed[];
  return new Map(parsed.map((m) => [m.name, m]));
}

function valueOf(families: Map<string, Parsed>, name: string, labels: Record<string, string> = {}): number | undefined {
  const series = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return series?.value === undefined ? undefined : Number(series.value);
}

type Host = { name: string; condition: string; lagMs?: number };

/** A storage whose hosts say what the test sets; counts the refreshes and the timeout asked for. */
function fakeStorage(hosts: Host[]) {
  const fake = {
    hosts,
    primaryFallbackReads: 0,
    refreshes: 0,
    timeoutMs: undefined as number | undefined,
    fail: false,
    async refreshHosts(options?: { timeoutMs?: number }) {
      fake.refreshes++;
      fake.timeoutMs = options?.timeoutMs;
      if (fake.fail) throw new Error('should not happen');
      return fake.hosts;
    },
  };
  return fake satisfies PostgresReplicasLike;
}

describe('PostgreSQL replica metrics', () => {
  it('show each host by host:port: its condition, a standby its lag in seconds, and count the primary fallback reads', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const storage = fakeStorage([
      { name: 'db1:5432', condition: 'primary' },
      { name: 'db2:5433', condition: 'caught-up', lagMs: 250 },
    ]);
    observePostgresReplicas(metrics, storage, { measureTimeoutMs: 1_500 });
    let families = await scrape(metrics);
    expect(storage.refreshes).toBe(1); // one measurement for every metric of the scrape
    expect(storage.timeoutMs).toBe(1_500);
    expect(valueOf(families, metricNames.postgresReplicaState, { host: 'db1:5432', state: 'primary' })).toBe(1);
    expect(valueOf(families, metricNames.postgresReplicaState, { host: 'db2:5433', state: 'caught-up' })).toBe(1);
    expect(valueOf(families, metricNames.postgresReplicaState, { host: 'db2:5433', state: 'lagging' })).toBe(0);
    expect(valueOf(families, metricNames.postgresReplicaLag, { host: 'db2:5433' })).toBe(0.25);
    expect(valueOf(families, metricNames.postgresReplicaLag, { host: 'db1:5432' })).toBeUndefined(); // the primary has no lag
    expect(valueOf(families, metricNames.postgresPrimaryFallbackReads)).toBe(0);

    storage.hosts = [
      { name: 'db1:5432', condition: 'primary' },
      { name: 'db2:5433', condition: 'lagging', lagMs: 4_000 },
    ];
    storage.primaryFallbackReads = 3;
    families = await scrape(metrics);
    expect(storage.refreshes).toBe(2);
    expect(valueOf(families, metricNames.postgresReplicaState, { host: 'db2:5433', state: 'lagging' })).toBe(1);
    expect(valueOf(families, metricNames.postgresReplicaState, { host: 'db2:5433', state: 'caught-up' })).toBe(0);
    expect(valueOf(families, metricNames.postgresReplicaLag, { host: 'db2:5433' })).toBe(4);
    expect(valueOf(families, metricNames.postgresPrimaryFallbackReads)).toBe(3);
    storage.primaryFallbackReads = 5;
    expect(valueOf(await scrape(metrics), metricNames.postgresPrimaryFallbackReads)).toBe(5);
  });

  it('a host down loses its lag series (no stale figure) and shows down; a failing refresh does not fail the scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const storage = fakeStorage([{ name: 'db2:5433', condition: 'caught-up', lagMs: 0 }]);
    observePostgresReplicas(metrics, storage);
    expect(valueOf(await scrape(metrics), metricNames.postgresReplicaLag, { host: 'db2:5433' })).toBe(0);
    storage.hosts = [{ name: 'db2:5433', condition: 'down' }];
    let families = await scrape(metrics);
    expect(valueOf(families, metricNames.postgresReplicaLag, { host: 'db2:5433' })).toBeUndefined();
    expect(valueOf(families, metricNames.postgresReplicaState, { host: 'db2:5433', state: 'down' })).toBe(1);
    storage.fail = true;
    families = await scrape(metrics);
    expect(valueOf(families, metricNames.postgresReplicaState, { host: 'db2:5433', state: 'down' })).toBe(1);
  });

  it('unbinding removes the series', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const storage = fakeStorage([{ name: 'db2:5433', condition: 'caught-up', lagMs: 10 }]);
    const off = observePostgresReplicas(metrics, storage);
    await scrape(metrics);
    off();
    const families = await scrape(metrics);
    expect(families.get(metricNames.postgresReplicaState)?.metrics ?? []).toEqual([]);
    expect(families.get(metricNames.postgresReplicaLag)?.metrics ?? []).toEqual([]);
    expect(storage.refreshes).toBe(1);
  });

  it('rejects a measureTimeoutMs that is not a positive integer', () => {
    expect(() => observePostgresReplicas(createMetrics({ defaultMetrics: false }), fakeStorage([]), { measureTimeoutMs: 0 })).toThrow(/measureTimeoutMs/);
  });

  it.skipIf(!promtool)('pass promtool check metrics', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const storage = fakeStorage([
      { name: 'db1:5432', condition: 'primary' },
      { name: 'db2:5433', condition: 'lagging', lagMs: 1_234 },
    ]);
    storage.primaryFallbackReads = 2;
    observePostgresReplicas(metrics, storage);
    const result = await run('promtool', ['check', 'metrics'], await metrics.text());
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
    // The OpenMetrics view reads the same measurement.
    expect(await metrics.openMetrics()).toContain('bulwark_postgres_replica_lag_seconds{host="db2:5433"} 1.234');
  });
});

describe('PostgreSQL replica alert rule', () => {
  it('fires per host on the lagging state, after a minute, naming the configured limit', () => {
    const [rule, ...others] = postgresReplicaAlertRules({ maxReplicaLagMs: 500 }).map((r) => parseAlertRule(r));
    expect(others).toEqual([]);
    expect([rule?.name, toPromQL(rule!), rule?.severity, rule?.forMs]).toEqual(['PostgresReplicaLagging', 'max by (host)(bulwark_postgres_replica_state{state="lagging"}) >= 1', 'warning', 60_000]);
    expect(rule?.description).toContain('500 ms (storage.postgresMaxReplicaLagMs)');
  });

  it.skipIf(!promtool)('passes promtool check rules', async () => {
    const temp = tempDir('bulwark-replica-rules-');
    try {
      const file = join(temp.dir, 'replicas.yml');
      await writeFile(file, toPrometheusRules(postgresReplicaAlertRules().map((r) => parseAlertRule(r)), 'storage'));
      const result = await run('promtool', ['check', 'rules', file]);
      expect(result.output).toContain('SUCCESS: 1 rules found');
      expect(result.code).toBe(0);
    } finally {
      temp.remove();
    }
  });
});
