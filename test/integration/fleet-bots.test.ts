/**
 * A fleet in three commands, on the real PostgreSQL and Redis: the simulator, the ops service
 * (`bulwark start --config`, in this process) and two `bulwark bot --config` processes. Both bots
 * are listed at /api/instances, the intents of both land in one PostgreSQL schema under their
 * instance's prefix, an operator's halt stops new orders in both within a second, and a resume
 * lets them trade again. SIGTERM stops each bot cleanly (it leaves the fleet).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type StartedService, runStart } from '../../src/cli/commands/start-run.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';
import { BulwarkBot as Bot, fleetConfigYaml, until } from '../support/bulwark-bot.js';
import { deleteKeys, describeWith, postgresUrl, probeRedis, redisUrl, requireService } from '../support/services.js';

const available = (await requireService('PostgreSQL', probePostgres)) && (await requireService('Redis', probeRedis));

interface Instance {
  id: string;
  pid: number;
  stale: boolean;
  leftAt: number | null;
  gateMode: string;
  snapshot?: { gate: { mode: string; since: number }; orders: Record<string, number> };
}

describeWith(available, 'a fleet of two bulwark bot processes', () => {
  const run = randomUUID().slice(0, 8);
  const schema = uniqueSchema('fleet_bots');
  const redisPrefix = `test:fleet-bots:${run}:`;
  const ids = [`bot-a-${run}`, `bot-b-${run}`];
  let dir: string;
  let sim: SimServer;
  let walk: NodeJS.Timeout;
  let service: StartedService;
  const bots: Bot[] = [];

  const instances = async (): Promise<Instance[]> => (await (await fetch(`${service.url}/api/instances`)).json()) as Instance[];
  const post = (path: string, body: object): Promise<Response> => fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** The newest intent's creation time per bot (by intent id prefix), and how many each has. */
  const intents = async (): Promise<Map<string, { newest: number; count: number }>> => {
    const rows = await adminQuery<{ bot: string; newest: string; n: string }>(
      `SELECT split_part(intent_id, '-${run}-', 1) || '-${run}' AS bot, MAX(created_at) AS newest, COUNT(*) AS n FROM "${schema}".order_intents WHERE intent_id LIKE $1 GROUP BY 1`,
      [`%-${run}-%`],
    );
    return new Map(rows.map((r) => [r.bot, { newest: Number(r.newest), count: Number(r.n) }]));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-fleet-bots-'));
    sim = await startSimServer({ port: 0, seed: 7 });
    walk = setInterval(() => sim.engine.step(), 200);
    const config = join(dir, 'fleet.yaml');
    await writeFile(config, fleetConfigYaml({ dataDir: join(dir, 'ops'), postgresUrl, schema, redisUrl, redisPrefix, simUrl: sim.url }));
    // The service first: it migrates the schema the bots then share.
    service = await runStart({ config, port: 0, logger: false, out: () => undefined, exit: () => undefined });
    for (const id of ids) bots.push(new Bot(id, config));
    await Promise.all(bots.map((b) => b.trading()));
  }, 60_000);

  afterAll(async () => {
    clearInterval(walk);
    const codes = await Promise.all(bots.map((b) => b.stop()));
    await service?.close();
    await sim?.close();
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, redisPrefix);
    redis.disconnect();
    await dropSchema(schema);
    if (dir) await rm(dir, { recursive: true, force: true });
    // Checked last so the cleanup above always runs.
    expect(codes).toEqual([0, 0]);
  }, 30_000);

  it('lists both bots at /api/instances, with their pids', async () => {
    await until(async () => (await instances()).filter((i) => ids.includes(i.id) && !i.stale).length === 2, 10_000, 'both bots in the list');
    const list = (await instances()).filter((i) => ids.includes(i.id));
    expect(list.map((i) => [i.id, i.pid, i.gateMode]).sort()).toEqual(bots.map((b) => [b.id, b.child.pid, 'active']).sort());
  }, 20_000);

  it('writes the intents of both bots into the one PostgreSQL schema, each under its instance prefix', async () => {
    await until(async () => [...(await intents()).values()].filter((v) => v.count >= 3).length === 2, 20_000, 'intents of both bots');
    const byBot = await intents();
    expect([...byBot.keys()].sort()).toEqual([...ids].sort());
    // Each bot's snapshot counts its own intents, not the account's.
    await until(async () => (await instances()).filter((i) => ids.includes(i.id) && Object.keys(i.snapshot?.orders ?? {}).length > 0).length === 2, 10_000, 'snapshots with orders');
    const snapshots = (await instances()).filter((i) => ids.includes(i.id));
    const total = await adminQuery<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".order_intents`);
    for (const i of snapshots) expect(Object.values(i.snapshot!.orders).reduce((a, b) => a + b, 0)).toBeLessThan(Number(total[0]!.n));
    const [other] = await adminQuery<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".order_intents WHERE intent_id NOT LIKE $1 AND intent_id NOT LIKE 'adopted:%'`, [`%-${run}-%`]);
    expect(Number(other!.n)).toBe(0);
  }, 30_000);

  it('stops new orders in both bots within a second of an operator halt, and trades again after a resume', async () => {
    const sentAt = Date.now();
    const halt = await post('/api/fleet/halt', { reason: 'fleet-bots test', actor: 'test' });
    expect(halt.status).toBe(200);
    const answeredAt = Date.now();
    // Each bot's own snapshot says halted; `since` is when its gate turned.
    await until(async () => (await instances()).filter((i) => ids.includes(i.id) && i.snapshot?.gate.mode === 'halted').length === 2, 5_000, 'both gates halted');
    const halted = (await instances()).filter((i) => ids.includes(i.id));
    const gateLatency = halted.map((i) => i.snapshot!.gate.since - sentAt);
    // Several ticks (200 ms each) with the gate shut: no intent may be newer than a second after the halt.
    await new Promise((r) => setTimeout(r, 2_000));
    const after = await intents();
    const orderLatency = ids.map((id) => after.get(id)!.newest - sentAt);
    console.log(`fleet-bots: halt answered in ${answeredAt - sentAt} ms; gate halted after ${gateLatency.join(', ')} ms; newest intent relative to the halt ${orderLatency.join(', ')} ms`);
    for (const latency of gateLatency) expect(latency).toBeLessThan(1_000);
    for (const latency of orderLatency) expect(latency).toBeLessThan(1_000);

    const resumedAt = Date.now();
    expect((await post('/api/fleet/resume', { reason: 'over', actor: 'test' })).status).toBe(200);
    await until(async () => {
      const now = await intents();
      return ids.every((id) => now.get(id)!.newest > resumedAt);
    }, 10_000, 'both bots to place orders after the resume');
    expect((await instances()).filter((i) => ids.includes(i.id)).map((i) => i.gateMode)).toEqual(['active', 'active']);
  }, 30_000);

  it('a bot stopped with SIGTERM leaves the fleet and exits 0', async () => {
    const code = await bots[1]!.stop();
    expect(code).toBe(0);
    expect(bots[1]!.output).toContain('stopped');
    const gone = (await instances()).find((i) => i.id === ids[1]);
    expect(gone).toMatchObject({ stale: true, leftAt: expect.any(Number) });
  }, 20_000);
});
