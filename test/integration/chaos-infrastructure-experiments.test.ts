/**
 * The shipped infrastructure and process experiments against a configured service in this
 * process whose storage is the real PostgreSQL and whose Redis is the real Redis, each reached
 * through a fault proxy declared in `chaos.proxies` (`postgres`, `redis`). Every experiment runs
 * with its method shortened and passes on the current code; the toxic it added is gone after.
 * Skips with one line when PostgreSQL or Redis is absent (fails under BULWARK_REQUIRE_SERVICES=1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Experiment } from '../../src/chaos/experiments/experiment-schema.js';
import { predefinedExperiment } from '../../src/chaos/experiments/predefined.js';
import { loadConfig } from '../../src/config/loader.js';
import { type Configured, componentsFromConfig } from '../../src/server/configured.js';
import { freePort } from '../support/redis-server.js';
import { deleteKeys, describeWith, postgresUrl, probeRedis, redisUrl, requireService } from '../support/services.js';
import { Redis } from 'ioredis';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = (await requireService('postgres', probePostgres)) && (await requireService('redis', probeRedis));

const SHORT_MS = 3_000;
const PREFIX = `h_chaos_infra_${process.pid}:`;

/** The method shortened to at most SHORT_MS per step, continuous probes each 500 ms; the recovery deadlines stay as written. */
const shortened = (e: Experiment): Experiment => ({
  ...e,
  method: e.method.map((s) => ({ ...s, durationMs: Math.min(s.durationMs, SHORT_MS), probes: s.probes.map((p) => ({ ...p, intervalMs: Math.min(p.intervalMs, 500) })) })),
});

describeWith(available, 'infrastructure experiments through fault proxies to real PostgreSQL and Redis', () => {
  let dir: string;
  let schema: string;
  let configured: Configured;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-chaos-infra-'));
    schema = uniqueSchema('h_finish_chaos');
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const pg = new URL(postgresUrl);
    const rd = new URL(redisUrl);
    const viaProxy = (url: URL, port: number): string => Object.assign(new URL(url.href), { hostname: '127.0.0.1', port: String(port) }).href;
    const config = loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: {
        dataDir: join(dir, 'data'),
        features: { chaos: true },
        chaos: {
          proxies: [
            { name: 'postgres', listen: `127.0.0.1:${pgPort}`, upstream: `${pg.hostname}:${pg.port || '5432'}` },
            { name: 'redis', listen: `127.0.0.1:${redisPort}`, upstream: `${rd.hostname}:${rd.port || '6379'}` },
          ],
        },
        storage: { kind: 'postgres', postgresUrl: viaProxy(pg, pgPort), postgresSchema: schema, redisUrl: viaProxy(rd, redisPort), redisPrefix: PREFIX },
        health: { intervalMs: 200, timeoutMs: 1_000 },
      },
    }).config;
    configured = await componentsFromConfig(config);
  }, 30_000);

  afterAll(async () => {
    await configured?.close();
    if (schema) await dropSchema(schema);
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, PREFIX);
    redis.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it.each(['postgres-outage', 'redis-outage', 'slow-redis', 'memory-pressure'])('%s passes on the current code', async (name) => {
    const experiment = predefinedExperiment(name)!;
    expect(experiment.steadyStateHypothesis.title.length).toBeGreaterThan(20);
    const experiments = configured.components.chaos!.experiments!;
    const proxies = configured.components.chaos!.proxies!;
    const changes: string[] = [];
    const unsubscribe = ['postgres', 'redis'].map((p) => proxies.get(p)!.on('toxicChange', ({ proxy, action, toxic }) => changes.push(`${proxy}: ${action} ${toxic.name}`)));
    const { done } = experiments.start(shortened(experiment), 'test');
    const journal = await done;
    const failed = journal.probes.filter((p) => p.counted && !p.ok).map((p) => `${p.key}=${String(p.value ?? p.error)}`);
    expect({ status: journal.status, reason: journal.reason, failed }).toEqual({ status: 'passed', reason: undefined, failed: [] });
    expect(journal.score).toBe(100);
    expect(journal.steps).toMatchObject([{ status: 'reverted' }]);
    // The fault bit (its during-probe saw it) and is gone: no toxic left on either proxy.
    for (const proxy of proxies.list()) expect(proxy.toxics).toEqual([]);
    const step = experiment.method[0]!;
    if (step.action === 'proxy-toxic') {
      const { proxy, name: toxic } = step.args as { proxy: string; name: string };
      expect(changes).toEqual([`${proxy}: added ${toxic}`, `${proxy}: removed ${toxic}`]);
    } else expect(changes).toEqual([]);
    unsubscribe.forEach((off) => off());
  }, 20_000);
});
