/**
 * The replica metrics against the real streaming replica (127.0.0.1:5433, .ci/pg-replica.sh): with
 * replay paused and the primary writing, a scrape alone (no stale-tolerant read) shows the lag
 * growing past the limit and the replica `lagging`; once replay resumes it is `caught-up` again; the
 * exposition passes `promtool check metrics`. The configured service with replicas exports the
 * metrics (host:port, never the URL) and the PostgresReplicaLagging rule in rules.yaml, which passes
 * `promtool check rules`.
 * Skips with one line when the primary or the replica is absent (fails under BULWARK_REQUIRE_SERVICES=1).
 * The replica is shared: replay is always resumed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { ManualClock } from '../../src/core/clock.js';
import { createMetrics, metricNames, type Metrics } from '../../src/observe/metrics.js';
import { observePostgresReplicas } from '../../src/observe/postgres-replica-metrics.js';
import { buildApp } from '../../src/server/app.js';
import { componentsFromConfig } from '../../src/server/configured.js';
import { replicatedPostgresStorage, type ReplicatedPostgresStorage } from '../../src/storage/replicated-postgres.js';
import { probeTool, run } from '../support/prometheus.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';
import { probeReplica, queryOn, replicaUrl, waitFor, waitForReceive, waitForReplay } from './pg-replica.js';

const available = (await requireService('PostgreSQL', probePostgres)) && (await requireService('PostgreSQL replica', probeReplica));
const promtool = await requireService('promtool', () => probeTool('promtool'));

const schema = uniqueSchema('fo_pg_metrics');
const quiet = { warn: () => undefined };
const hostOf = (url: string): string => `${new URL(url).hostname}:${new URL(url).port || 5432}`;
const replicaHost = hostOf(replicaUrl);
const opened: ReplicatedPostgresStorage[] = [];

const resumeReplay = async (): Promise<void> => void (await queryOn(replicaUrl, 'SELECT pg_wal_replay_resume()'));

/** One series' value in the Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const lagOf = (text: string): number | undefined => sample(text, metricNames.postgresReplicaLag, `host="${replicaHost}"`);
const stateOf = (text: string, state: string): number | undefined => sample(text, metricNames.postgresReplicaState, `host="${replicaHost}",state="${state}"`);

beforeAll(async () => {
  if (!available) return;
  await queryOn(postgresUrl, `CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await queryOn(postgresUrl, `CREATE TABLE "${schema}".notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
  await waitForReplay();
});

afterEach(async () => {
  if (!available) return;
  await resumeReplay();
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  if (available) await dropSchema(schema);
});

describeWith(available, 'PostgreSQL replica metrics', () => {
  it('with replay paused a scrape shows the lag growing past the limit and the replica lagging; after resume it is caught up again', async () => {
    const clock = new ManualClock();
    const storage = await replicatedPostgresStorage({ connectionString: postgresUrl, replicas: [replicaUrl], schema, logger: quiet, discoveryIntervalMs: 0, clock, maxReplicaLagMs: 100, lagCheckIntervalMs: 1_000 });
    opened.push(storage);
    const metrics: Metrics = createMetrics({ defaultMetrics: false });
    const off = observePostgresReplicas(metrics, storage);
    try {
      // Caught up at first (a commit of another test run on the shared primary may hold that up by a check).
      await waitFor('the replica to show caught up', async () => {
        await clock.advance(1_000);
        return stateOf(await metrics.text(), 'caught-up') === 1;
      });
      expect(sample(await metrics.text(), metricNames.postgresReplicaState, `host="${hostOf(postgresUrl)}",state="primary"`)).toBe(1);

      await queryOn(replicaUrl, 'SELECT pg_wal_replay_pause()');
      await waitFor('replay to pause', async () => (await queryOn<{ s: string }>(replicaUrl, 'SELECT pg_get_wal_replay_pause_state() AS s'))[0]?.s === 'paused');
      await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [1, 'held back']);
      await waitForReceive();
      await waitFor('the replica to be more than 100 ms behind', async () => {
        const [row] = await queryOn<{ ms: number }>(replicaUrl, 'SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000 AS ms');
        return Number(row?.ms) > 100;
      });

      // No stale-tolerant read: the scrape itself measures, once the last measurement is lagCheckIntervalMs old.
      await clock.advance(1_000);
      const paused = await metrics.text();
      const firstLag = lagOf(paused) ?? NaN;
      expect(firstLag).toBeGreaterThan(0.1);
      expect(stateOf(paused, 'lagging')).toBe(1);
      expect(stateOf(paused, 'caught-up')).toBe(0);
      expect(storage.primaryFallbackReads).toBe(0);
      if (promtool) {
        const checked = await run('promtool', ['check', 'metrics'], paused);
        expect(checked.output).toBe('');
        expect(checked.code).toBe(0);
      }
      // Within the interval the last figure stands; past it, the lag has grown.
      expect(lagOf(await metrics.text())).toBe(firstLag);
      await waitFor('the lag to grow', async () => {
        await clock.advance(1_000);
        return (lagOf(await metrics.text()) ?? 0) > firstLag;
      });

      // A stale-tolerant read now goes to the primary, and is counted.
      await storage.replicaReads.one('SELECT 1 AS one');
      expect((await metrics.text()).split('\n')).toContain(`${metricNames.postgresPrimaryFallbackReads} 1`);

      await resumeReplay();
      await waitForReplay();
      await waitFor('the replica to show caught up again', async () => {
        await clock.advance(1_000);
        const text = await metrics.text();
        return stateOf(text, 'caught-up') === 1 && stateOf(text, 'lagging') === 0;
      });
      expect(lagOf(await metrics.text())).toBeLessThanOrEqual(0.1);
    } finally {
      off();
      await resumeReplay();
    }
  });

  it('the configured service exports the metrics by host:port and the PostgresReplicaLagging rule in rules.yaml', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-replica-metrics-'));
    const cfgSchema = uniqueSchema('fo_pg_metrics_cfg');
    const withPassword = new URL(replicaUrl);
    withPassword.password = 'not-for-metrics'; // trust authentication ignores it; it must not reach a label
    const { config } = loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: { dataDir: join(dir, 'data'), storage: { kind: 'postgres', postgresUrl, postgresSchema: cfgSchema, postgresReplicaUrls: [withPassword.toString()], postgresMaxReplicaLagMs: 2_500 } },
    });
    const started = await componentsFromConfig(config);
    try {
      const text = await started.components.metrics.text();
      expect(text).toMatch(new RegExp(`^${metricNames.postgresReplicaState}\\{host="${replicaHost}",state="[a-z-]+"\\} 1$`, 'm'));
      expect(text).not.toContain('not-for-metrics');
      expect(text).not.toContain('postgres://');
      const rule = started.components.alerts!.get('PostgresReplicaLagging')?.rule;
      expect(rule?.description).toContain('2500 ms');

      const app = await buildApp(started.components);
      const res = await app.inject({ method: 'GET', url: '/api/alerts/rules.yaml' });
      await app.close();
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('alert: PostgresReplicaLagging');
      expect(res.body).toContain('max by (host)(bulwark_postgres_replica_state{state="lagging"}) >= 1');
      if (promtool) {
        const file = join(dir, 'rules.yml');
        await writeFile(file, res.body);
        const checked = await run('promtool', ['check', 'rules', file]);
        expect(checked.output).toContain('SUCCESS');
        expect(checked.code).toBe(0);
      }
    } finally {
      await started.close();
      await dropSchema(cfgSchema);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
