/**
 * `bulwark start --config FILE` on the real PostgreSQL and Redis, against the simulated exchange:
 * every table lands in the configured schema, the exchange's budget keys in Redis under the
 * configured prefix; the gate, breakers and orders of the account are served, and a halt is kept in
 * PostgreSQL. Then the refusals: `config check FILE` and `start` exit 1 naming file, key and reason.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ccxt from 'ccxt';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStart, type StartedService } from '../../src/cli/commands/start-run.js';
import { postgresStorage, type PostgresStorage } from '../../src/storage/postgres.js';
import { orderIntents } from '../../src/storage/repos/order-intents.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { storageJournal } from '../../src/trading/orders/storage-journal.js';
import { pointAtSimulator } from '../../src/trading/sim/connect.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { deleteKeys, describeWith, postgresUrl, probeRedis, redisUrl, requireService } from '../support/services.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const root = resolve(import.meta.dirname, '..', '..');
const postgresUp = await requireService('postgres', probePostgres);
const redisUp = await requireService('redis', probeRedis);
const schema = uniqueSchema('bw_start_config');
const prefix = `bulwark-test:${schema}:`;

describeWith(postgresUp && redisUp, 'bulwark start --config on PostgreSQL, Redis and the simulated exchange', () => {
  let dir: string;
  let sim: SimServer;
  let service: StartedService;
  let redis: Redis;
  let bot: PostgresStorage;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-start-config-'));
    sim = await startSimServer({ seed: 7 });
    redis = new Redis(redisUrl);
    const file = join(dir, 'bulwark.yaml');
    await writeFile(
      file,
      [
        `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
        'server:',
        '  host: 127.0.0.1',
        '  port: 0',
        'log:',
        '  level: silent',
        'storage:',
        '  kind: postgres',
        `  postgresUrl: ${JSON.stringify(postgresUrl)}`,
        `  postgresSchema: ${schema}`,
        `  redisUrl: ${JSON.stringify(redisUrl)}`,
        `  redisPrefix: ${JSON.stringify(prefix)}`,
        'exchange:',
        '  id: binance',
        `  url: ${JSON.stringify(sim.url)}`,
        '  apiKey: test-key',
        '  secret: test-secret',
        '  symbols: [BTC/USDT]',
        '  cancelOpenOrdersOnHalt: true',
        'fleet:',
        '  instance: ops-1',
        'health:',
        '  weights: { system: 0.5, services: 0.3, resilience: 0.1, trading: 0.1 }',
        'shutdown:',
        '  readyDelayMs: 0',
        '',
      ].join('\n'),
    );
    service = await runStart({ config: file, out: (l) => lines.push(l), logger: false, exit: () => undefined });
    bot = await postgresStorage({ connectionString: postgresUrl, schema, migrate: false });
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await bot?.close();
    await sim?.close();
    if (redis) {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
    await dropSchema(schema);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('listens on the configured host and says which config it runs', () => {
    expect(service.mode).toBe('config');
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.join('\n')).toContain(`config ${join(dir, 'bulwark.yaml')}`);
    expect(lines).toContain(`  storage    PostgreSQL ${new URL(postgresUrl).host} schema ${schema}; Redis ${new URL(redisUrl).host} prefix ${prefix}`);
    expect(lines).toContain(`  exchange   binance at ${new URL(sim.url).host}: gate, breakers and journal followed; open orders cancelled on halt`);
  });

  it('serves the fleet on its Redis under <redisPrefix>fleet:, the service its first member, leading its account', async () => {
    expect(lines).toContain(`  fleet      ${prefix}fleet: as ops-1 (bots join with \`bulwark bot --config FILE\`)`);
    const fleet = await fetch(`${service.url}/api/fleet`);
    expect(fleet.status).toBe(200);
    // Alone on the account, it is elected at its first attempt and reports the duty with its next snapshot.
    let instances: Array<{ id: string; gateMode: string | null; snapshot: { duties: string[] } | null }> = [];
    for (let i = 0; i < 100; i++) {
      instances = (await (await fetch(`${service.url}/api/instances`)).json()) as typeof instances;
      if (instances[0]?.snapshot?.duties.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(instances.map((i) => [i.id, i.gateMode, i.snapshot?.duties])).toEqual([['ops-1', 'active', ['orders:binance']]]);
  });

  it('exports the fleet as metrics: instances by status, each gate, the fleet-wide halt and the leader of each duty', async () => {
    // Read from Redis every 5 s: the first read may predate the service's own duty.
    let text = '';
    for (let i = 0; i < 80 && !text.includes('bulwark_fleet_leader{'); i++) {
      text = await (await fetch(`${service.url}/metrics`)).text();
      if (!text.includes('bulwark_fleet_leader{')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toContain('bulwark_fleet_instances{status="live"} 1');
    expect(text).toContain('bulwark_fleet_instances{status="stale"} 0');
    expect(text).toContain('bulwark_fleet_gate_state{instance="ops-1",state="active"} 1');
    expect(text).toContain('bulwark_fleet_halted 0');
    expect(text).toContain('bulwark_fleet_leader{duty="orders:binance",instance="ops-1"} 1');
  });

  it('creates the journal, dead-letter, operator and alert tables in the configured schema (and none in public)', async () => {
    const rows = await adminQuery<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['alert_history', 'dead_letters', 'operator_settings', 'order_intents', 'schema_migrations']));
  });

  it('keeps the exchange budget in Redis under the configured prefix', async () => {
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !k.startsWith(`${prefix}fleet:`)).every((k) => k.startsWith(`${prefix}budget:{binance}`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}budget:{binance}`))).toBe(true);
  });

  it('serves the account: gate, breakers, health with the configured weights, and /metrics agreeing with /health/score', async () => {
    const gate = (await (await fetch(`${service.url}/api/gate`)).json()) as { mode: string };
    expect(gate.mode).toBe('active');
    const breakers = (await (await fetch(`${service.url}/api/breakers`)).json()) as Array<{ name: string }>;
    expect(breakers.map((b) => b.name)).toEqual(expect.arrayContaining(['binance:all', 'binance:orders']));
    const overview = (await (await fetch(`${service.url}/api/overview`)).json()) as { dependencies: Array<{ name: string }> };
    expect(overview.dependencies.map((d) => d.name)).toEqual(expect.arrayContaining(['binance:all', 'binance:orders']));
    const score = (await (await fetch(`${service.url}/health/score`)).json()) as { score: number; groups: Record<string, { weight: number }> };
    expect(score.groups.system!.weight).toBeCloseTo(0.5 / (0.5 + 0.3 + 0.1 + 0.1), 5);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain(`bulwark_health_score ${score.score}`);
  });

  it('an intent a bot journals in the same schema shows in /api/orders and its order in /api/account; the follower takes it to its end', async () => {
    const client = pointAtSimulator(new ccxt.binance({ apiKey: 'bot-key', secret: 'bot-secret', enableRateLimit: false, options: { maxRetriesOnFailure: 0 } }), sim.url);
    const exchange = resilientExchange(client, { journal: storageJournal(orderIntents(bot)) });
    await exchange.loadMarkets();
    const order = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000, { intentId: 'bot-intent-1' });
    expect(order.id).toBeDefined();
    // OPEN is written behind the answer; another connection sees it once the bot's journal is flushed.
    await exchange.flushJournal();
    const rows = await adminQuery<{ intent_id: string; state: string }>(`SELECT intent_id, state FROM "${schema}".order_intents`);
    expect(rows).toEqual([{ intent_id: 'bot-intent-1', state: 'OPEN' }]);
    const orders = (await (await fetch(`${service.url}/api/orders`)).json()) as { counts: Record<string, number> };
    expect(orders.counts.OPEN).toBe(1);
    const account = (await (await fetch(`${service.url}/api/account`)).json()) as { exchange: string; balances: Record<string, { total: number }>; openOrders: Array<{ id: string; symbol: string }> };
    expect(account.exchange).toBe('binance');
    expect(account.balances.USDT!.total).toBeGreaterThan(0);
    expect(account.openOrders).toEqual([expect.objectContaining({ id: String(order.id), symbol: 'BTC/USDT' })]);
    // Cancelled behind the journal's back (the bot is gone): the service's follower records the end.
    await client.cancelOrder(String(order.id), 'BTC/USDT');
    const deadline = Date.now() + 15_000;
    let state = 'OPEN';
    while (state === 'OPEN' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await adminQuery<{ state: string }>(`SELECT state FROM "${schema}".order_intents WHERE intent_id = 'bot-intent-1'`))[0]!.state;
    }
    expect(state).toBe('CANCELED');
  });

  it('an operator halt is kept in PostgreSQL, in the configured schema', async () => {
    const res = await fetch(`${service.url}/api/gate/halt`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bulwark-actor': 'dana' }, body: JSON.stringify({ reason: 'test halt' }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { mode: string }).mode).toBe('halted');
    const rows = await adminQuery<{ key: string; actor: string }>(`SELECT key, actor FROM "${schema}".operator_settings`);
    expect(rows).toEqual([expect.objectContaining({ key: 'gate:kill', actor: 'dana' })]);
    expect((await fetch(`${service.url}/api/gate/resume`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ actor: 'dana', reason: 'done' }) })).status).toBe(200);
  });

  it('a fleet-wide halt (POST /api/fleet/halt) halts the service\'s own gate too, which cancels the account\'s open orders', async () => {
    const client = pointAtSimulator(new ccxt.binance({ apiKey: 'bot-key', secret: 'bot-secret', enableRateLimit: false, options: { maxRetriesOnFailure: 0 } }), sim.url);
    const order = await client.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000);
    const halt = await fetch(`${service.url}/api/fleet/halt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'fleet test', actor: 'dana' }) });
    expect(halt.status).toBe(200);
    // The service reads the command from the stream like any member, then its gate's halt cancels.
    const deadline = Date.now() + 10_000;
    let open = 1;
    let mode = 'active';
    while ((open > 0 || mode !== 'halted') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      mode = ((await (await fetch(`${service.url}/api/gate`)).json()) as { mode: string }).mode;
      open = (await client.fetchOpenOrders('BTC/USDT')).filter((o) => o.id === order.id).length;
    }
    expect(mode).toBe('halted');
    expect(open).toBe(0);
    expect((await fetch(`${service.url}/api/fleet/resume`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'over', actor: 'dana' }) })).status).toBe(200);
    const resumeBy = Date.now() + 10_000;
    while (mode !== 'active' && Date.now() < resumeBy) {
      await new Promise((r) => setTimeout(r, 100));
      mode = ((await (await fetch(`${service.url}/api/gate`)).json()) as { mode: string }).mode;
    }
    expect(mode).toBe('active');
  });

  it('backs the PostgreSQL tables up as rows', async () => {
    const res = await fetch(`${service.url}/api/backups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'state' }) });
    expect(res.status).toBeLessThan(300);
    const list = (await (await fetch(`${service.url}/api/backups`)).json()) as Array<{ files?: Array<{ origin: string }> }>;
    expect(JSON.stringify(list)).toContain('provider:postgres-tables');
  });
});

/** Runs the command line in a child process; resolves with its exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

describe('refusals on the command line', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-refusals-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('config check FILE exits 1 naming the file, the key and the reason', async () => {
    const file = join(dir, 'it.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nstorage:\n  kind: postgres\nshutdown:\n  readyDelayMs: 1e15\n`);
    const { code, output } = await cli(['config', 'check', file, '--dir', join(dir, 'none')], { NO_COLOR: '1' });
    expect(code).toBe(1);
    expect(output).toContain(`storage.postgresUrl (from ${file}): required when storage.kind is "postgres"`);
    expect(output).toContain(`shutdown.readyDelayMs (from ${file}): past Node's timer range`);
    expect(output).toContain('deployment check failed');
  }, 30_000);

  it('start refuses a non-loopback --host, and a non-loopback server.host, saying why', async () => {
    const byFlag = await cli(['start', '--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'demo')]);
    expect(byFlag.code).toBe(1);
    expect(byFlag.output).toContain('--host: refusing to listen on 0.0.0.0: it is not a loopback address and no authentication is configured');
    const file = join(dir, 'public.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nserver:\n  host: 0.0.0.0\n`);
    const byFile = await cli(['start', '--config', file, '--port', '0']);
    expect(byFile.code).toBe(1);
    expect(byFile.output).toContain(`server.host (from ${file}): refusing to listen on 0.0.0.0`);
  }, 30_000);
});
