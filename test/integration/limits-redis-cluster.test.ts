/**
 * The limiters and exchange budgets on a real three-node Redis Cluster (private redis-server
 * processes, never the shared server), through ioredis' Cluster client: every Redis key of one
 * limiter key (or budget group) lands in one slot, batched decisions never mix slots (a script
 * call touching two slots fails with CROSSSLOT), and the keys spread over the nodes.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exchangeRateBudget } from '../../src/limits/budgets/exchange-rate-budget.js';
import { redisRateBudgetStore } from '../../src/limits/budgets/redis-store.js';
import type { RateBudgetTable } from '../../src/limits/budgets/table.js';
import { fixedWindow } from '../../src/limits/fixed-window.js';
import { gcra } from '../../src/limits/gcra.js';
import { leased } from '../../src/limits/leased.js';
import type { RateLimiter } from '../../src/limits/rate-limiter.js';
import { slidingWindow } from '../../src/limits/sliding-window.js';
import { redisStore } from '../../src/limits/stores/redis.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { freePort, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { describeWith, requireService } from '../support/services.js';

/** `cluster-port` (the bus port set apart from the client port) needs redis-server 7. */
const available = await requireService('redis-server 7 or later (binary, to run a private cluster)', async () => {
  const { stdout } = await promisify(execFile)('redis-server', ['--version']);
  const major = Number(/v=(\d+)\./.exec(stdout)?.[1]);
  if (!(major >= 7)) throw new Error(`found ${stdout.trim()}`);
});

const SLOTS = 16_384;
const NODES = 3;

let dir = '';
const servers: ChildProcess[] = [];
const ports: number[] = [];
let cluster: Cluster;

/** Polls each node until it reports the cluster healthy (an external process settling, not a policy). */
async function clusterReady(admins: Redis[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const infos = await Promise.all(admins.map((admin) => admin.cluster('INFO') as Promise<string>));
    if (infos.every((info) => info.includes('cluster_state:ok'))) return;
    if (Date.now() > deadline) throw new Error(`cluster did not become ready: ${infos.join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWith(available, 'limiters on a three-node Redis Cluster', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-cluster-'));
    for (let i = 0; i < NODES; i++) {
      const port = await freePort();
      const busPort = await freePort();
      ports.push(port);
      servers.push(
        await startRedisServer(port, ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir]),
      );
    }
    const admins = ports.map((port) => new Redis({ host: '127.0.0.1', port }));
    try {
      // Each node serves a third of the slots; the first meets the others over their bus ports.
      for (let i = 0; i < NODES; i++) {
        const from = Math.floor((SLOTS * i) / NODES);
        const to = Math.floor((SLOTS * (i + 1)) / NODES);
        await admins[i]?.cluster('ADDSLOTS', ...Array.from({ length: to - from }, (_, k) => from + k));
      }
      const bus = await Promise.all(admins.map(async (admin) => Number(await admin.config('GET', 'cluster-port').then((kv) => (kv as string[])[1]))));
      for (let i = 1; i < NODES; i++) await admins[0]?.call('CLUSTER', 'MEET', '127.0.0.1', ports[i] as number, bus[i] as number);
      await clusterReady(admins);
    } finally {
      for (const admin of admins) admin.disconnect();
    }
    cluster = new Cluster([{ host: '127.0.0.1', port: ports[0] as number }], { redisOptions: { maxRetriesPerRequest: 1 } });
    await cluster.ping();
  }, 60_000);

  afterAll(async () => {
    cluster?.disconnect();
    for (const server of servers) await stopRedisServer(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const makers: Record<string, (prefix: string) => RateLimiter> = {
    tokenBucket: (prefix) => tokenBucket({ capacity: 3, refillPerSecond: 1, store: redisStore(cluster, { prefix }) }),
    gcra: (prefix) => gcra({ limit: 3, periodMs: 1000, store: redisStore(cluster, { prefix }) }),
    'slidingWindow log': (prefix) => slidingWindow({ limit: 3, windowMs: 1000, store: redisStore(cluster, { prefix }) }),
    'slidingWindow counter': (prefix) => slidingWindow({ limit: 3, windowMs: 1000, mode: 'counter', store: redisStore(cluster, { prefix }) }),
    fixedWindow: (prefix) => fixedWindow({ limit: 3, windowMs: 60_000, store: redisStore(cluster, { prefix }) }),
  };
  const keys = Array.from({ length: 12 }, (_, i) => `account-${i}`);

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: 60 decisions in flight over 12 keys admit exactly the limit per key, and the keys spread over every node`, async () => {
      const prefix = `cl:${name}:`;
      const limiter = make(prefix);
      const calls = Array.from({ length: 60 }, (_, i) => keys[i % keys.length] as string);
      const decisions = await Promise.all(calls.map((key) => limiter.consume(key)));
      for (const key of keys) {
        const mine = decisions.filter((_, i) => calls[i] === key);
        expect(mine.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
      }
      const perNode = await Promise.all(cluster.nodes('master').map(async (node) => (await node.keys(`${prefix}*`)).length));
      expect(perNode).toHaveLength(NODES);
      for (const count of perNode) expect(count).toBeGreaterThan(0);
    });
  }

  it('leased: reserves in the cluster, spends locally, returns the unspent units on close()', async () => {
    const prefix = 'cl:leased:';
    const shared = slidingWindow({ limit: 100, windowMs: 60_000, store: redisStore(cluster, { prefix }) });
    const local = leased(shared, { maxBatch: 20, leaseMs: 5000 });
    const admitted = await Promise.all(Array.from({ length: 30 }, (_, i) => local.consume(keys[i % 3] as string)));
    expect(admitted.every((d) => d.allowed)).toBe(true);
    await local.close();
    const lengths = await Promise.all(keys.slice(0, 3).map((key) => cluster.llen(`${prefix}swl:{${key}}`)));
    expect(lengths).toEqual([10, 10, 10]);
  });

  it('exchange budgets: each call charges all its budgets in its group\'s slot, and a 418 freezes the group for every store', async () => {
    const year = 365 * 86_400_000;
    const table: RateBudgetTable = {
      name: 'cluster',
      budgets: [
        { id: 'W', limit: 1000, windowMs: year },
        { id: 'O', limit: 50, windowMs: year },
      ],
      endpoints: { order: { costs: { W: 1, O: 1 }, lane: 'orders' } },
    };
    const prefix = 'cl:budget:';
    const groups = Array.from({ length: 9 }, (_, i) => `ip-${i}`);
    for (const group of groups) {
      const one = exchangeRateBudget({ table, group, store: redisRateBudgetStore(cluster, { prefix }) });
      const two = exchangeRateBudget({ table, group, store: redisRateBudgetStore(cluster, { prefix }) });
      await Promise.all([one.charge('order'), two.charge('order'), one.charge('order')]);
      expect([await two.used('W'), await two.used('O')]).toEqual([3, 3]);
    }
    const perNode = await Promise.all(cluster.nodes('master').map(async (node) => (await node.keys(`${prefix}*`)).length));
    expect(perNode.filter((count) => count > 0).length).toBeGreaterThan(1);

    const group = groups[0] as string;
    const seen = exchangeRateBudget({ table, group, store: redisRateBudgetStore(cluster, { prefix }) });
    const other = exchangeRateBudget({ table, group, store: redisRateBudgetStore(cluster, { prefix }) });
    await seen.observeResponse('order', 418, { 'Retry-After': '60' });
    expect((await other.frozen())?.status).toBe(418);
    await expect(other.charge('order', {}, { maxWaitMs: 0 })).rejects.toThrow(/frozen after HTTP 418/);
  });
});
