/**
 * Two regions in active-passive under the trading lease, with real parts: each region is a process
 * of its own (test/support/region-process.ts: the configured ops service with `region:`, its own
 * Redis namespace, and a bot placing orders through its gate on the simulator), and both share the
 * real PostgreSQL, region a through a fault proxy. One run goes through every way the lease moves:
 *
 *   a trades -> a releases (planned) -> b trades -> b releases -> a trades -> a cut off from
 *   PostgreSQL (resetPeer) -> b trades -> healed, b releases -> a trades -> a SIGKILLed -> b trades
 *
 * and checks, from both sides, that the regions never trade at once: the windows in which each
 * region's lease let new orders through (its own clock, this machine's) do not overlap, and every
 * order the simulator holds arrived while no other region's window was open. Skips with one line
 * when PostgreSQL or Redis is absent (fails instead with BULWARK_REQUIRE_SERVICES=1).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FaultProxy, faultProxy } from '../../src/chaos/proxy/fault-proxy.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { until } from '../support/bulwark-bot.js';
import { deleteKeys, describeWith, postgresUrl, probeRedis, redisUrl, requireService } from '../support/services.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = (await requireService('PostgreSQL', probePostgres)) && (await requireService('Redis', probeRedis));
const root = resolve(import.meta.dirname, '..', '..');

// Every listener of this test takes a port the OS picks (port 0): a fixed port in the ephemeral range
// (32768-60999 on Linux) can be in use as the local end of another test's connection (CI saw EADDRINUSE).
const LEASE = { ttlMs: 1_500, renewMs: 200, safetyMarginMs: 300, requestTimeoutMs: 500, holdOffMs: 1_500, followGrantMs: 0 };

interface Line {
  kind: 'ROLE' | 'TRY' | 'ORDER';
  region: string;
  parts: string[];
  at: number;
}

/** A region's process and what it printed. */
class RegionProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  exitedAt: number | undefined;
  constructor(
    readonly name: string,
    config: string,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'support', 'region-process.ts'), config, '0', '15'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.on('exit', () => (this.exitedAt = Date.now()));
  }

  /** Its API's address, from the LISTENING line it prints once it listens. */
  get url(): string {
    const url = /LISTENING (\S+)/.exec(this.output)?.[1];
    if (url === undefined) throw new Error(`region ${this.name} is not listening yet:\n${this.output}`);
    return url;
  }

  lines(): Line[] {
    return this.output
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter((p) => p[0] === 'ROLE' || p[0] === 'TRY' || p[0] === 'ORDER')
      .map((p) => ({ kind: p[0] as Line['kind'], region: p[1]!, parts: p.slice(2), at: Number(p.at(-1)) }));
  }

  /** Role changes: [from, to, reason, at]. */
  roles(): Array<{ from: string; to: string; reason: string; at: number }> {
    return this.lines()
      .filter((l) => l.kind === 'ROLE')
      .map((l) => ({ from: l.parts[0]!, to: l.parts[1]!, reason: l.parts[2]!, at: l.at }));
  }

  /** When it last became active (after `since`). */
  activeSince(since: number): number | undefined {
    return this.roles().find((r) => r.to === 'active' && r.at >= since)?.at;
  }

  /** Windows in which its lease let new orders through; one still open ends at `end` (or its death). */
  windows(end: number): Array<[number, number]> {
    const spans: Array<[number, number]> = [];
    let open: number | undefined;
    for (const r of this.roles()) {
      if (r.to === 'active' && open === undefined) open = r.at;
      if (r.from === 'active' && r.to !== 'active' && open !== undefined) {
        spans.push([open, r.at]);
        open = undefined;
      }
    }
    if (open !== undefined) spans.push([open, this.exitedAt ?? end]);
    return spans;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}

const configYaml = (o: { schema: string; name: string; dataDir: string; postgresUrl: string; redisPrefix: string; simUrl: string; lease: string }): string =>
  [
    `dataDir: ${JSON.stringify(o.dataDir)}`,
    'storage:',
    '  kind: postgres',
    `  postgresUrl: ${JSON.stringify(o.postgresUrl)}`,
    `  postgresSchema: ${o.schema}`,
    `  redisUrl: ${JSON.stringify(redisUrl)}`,
    `  redisPrefix: ${JSON.stringify(o.redisPrefix)}`,
    'exchange:',
    '  id: binance',
    `  url: ${o.simUrl}`,
    '  apiKey: sim-key',
    '  secret: sim-secret',
    '  symbols: [BTC/USDT]',
    'shutdown:',
    '  readyDelayMs: 0',
    'region:',
    `  name: ${o.name}`,
    `  lease: ${JSON.stringify({ name: o.lease, ...LEASE })}`,
    '',
  ].join('\n');

describeWith(available, 'two regions under the trading lease', () => {
  const run = randomUUID().slice(0, 8);
  // A schema of this run's own: a journal left by an earlier run would be reconciled against this run's fresh simulator.
  const SCHEMA = uniqueSchema('fo_regions');
  const lease = `regions-${run}`;
  const prefixes = { a: `fo-regions-a:${run}:`, b: `fo-regions-b:${run}:` };
  let dir: string;
  let sim: SimServer;
  let proxy: FaultProxy;
  let a: RegionProcess;
  let b: RegionProcess;
  const marks: Record<string, number> = {};

  const post = async (region: RegionProcess, path: string, body: object): Promise<Response> =>
    fetch(`${region.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const leaseRow = async (): Promise<{ holder: string; epoch: number; expiresAt: number }> => {
    const [row] = await adminQuery<{ holder: string; epoch: string; expires_at_ms: string }>(`SELECT holder, epoch, expires_at_ms FROM ${SCHEMA}.bulwark_region_leases WHERE name = $1`, [lease]);
    return { holder: row!.holder, epoch: Number(row!.epoch), expiresAt: Number(row!.expires_at_ms) };
  };
  /** Orders placed by `region` (as it reported them) after `since`. */
  const ordersOf = (region: RegionProcess, since: number): number => region.lines().filter((l) => l.kind === 'ORDER' && l.at >= since).length;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-regions-'));
    sim = await startSimServer({ seed: 16 });
    const target = new URL(postgresUrl);
    proxy = await faultProxy({ name: 'pg-a', listen: '127.0.0.1:0', upstream: `${target.hostname}:${target.port || '5432'}` });
    const viaProxy = new URL(postgresUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.listen.port);
    const files = { a: join(dir, 'a.yaml'), b: join(dir, 'b.yaml') };
    await writeFile(files.a, configYaml({ schema: SCHEMA, name: 'a', dataDir: join(dir, 'a'), postgresUrl: viaProxy.toString(), redisPrefix: prefixes.a, simUrl: sim.url, lease }));
    await writeFile(files.b, configYaml({ schema: SCHEMA, name: 'b', dataDir: join(dir, 'b'), postgresUrl, redisPrefix: prefixes.b, simUrl: sim.url, lease }));
    // a first (it migrates the schema and takes the lease), then b.
    a = new RegionProcess('a', files.a);
    await until(() => (a.activeSince(0) !== undefined && a.output.includes('LISTENING')) || a.child.exitCode !== null, 30_000, 'region a to hold the lease and listen');
    if (!a.output.includes('LISTENING')) throw new Error(`region a did not start:\n${a.output}`);
    b = new RegionProcess('b', files.b);
    await until(() => b.output.includes('LISTENING') || b.child.exitCode !== null, 30_000, 'region b to start');
    if (!b.output.includes('LISTENING')) throw new Error(`region b did not start:\n${b.output}`);
  }, 75_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await proxy?.close();
    await sim?.close();
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, prefixes.a);
    await deleteKeys(redis, prefixes.b);
    redis.disconnect();
    await dropSchema(SCHEMA);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it('a trades, b waits: GET /api/region on each says so', async () => {
    await until(() => ordersOf(a, 0) >= 3, 10_000, 'a to place orders');
    // b has read the lease (on a loaded machine an answer may come late: unknown, store-unreachable, never active).
    await until(async () => ((await (await fetch(`${b.url}/api/region`)).json()) as { holder: string | null }).holder === 'a', 5_000, 'b to read the lease');
    const [sa, sb] = await Promise.all([fetch(`${a.url}/api/region`).then((r) => r.json()), fetch(`${b.url}/api/region`).then((r) => r.json())]);
    expect(sa).toMatchObject({ region: 'a', role: 'active', holder: 'a', lease });
    expect(sb).toMatchObject({ region: 'b', holder: 'a', lease });
    expect(['passive', 'unknown']).toContain((sb as { role: string }).role);
    expect(b.roles().some((r) => r.to === 'active')).toBe(false);
    expect(ordersOf(b, 0)).toBe(0);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toContain('bulwark_region_role{region="a",role="active"} 1');
  });

  it('planned release: a stops, then b takes over promptly (well before a lease would expire); and back', async () => {
    marks.releaseA = Date.now();
    const res = await post(a, '/api/region/release', { reason: 'switchover drill', actor: 'alice' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ released: true, freed: true, status: { role: 'passive', reason: 'released' } });
    expect((await post(a, '/api/region/release', { reason: 'again' })).status).toBe(409);
    expect((await post(a, '/api/region/release', {})).status).toBe(400);
    await until(() => b.activeSince(marks.releaseA!) !== undefined, 5_000, 'b to take over');
    expect(b.activeSince(marks.releaseA!)! - marks.releaseA!).toBeLessThan(LEASE.ttlMs);
    await until(() => ordersOf(b, marks.releaseA!) >= 3, 10_000, 'b to place orders');
    // Back to a, the same way.
    marks.releaseB = Date.now();
    expect((await post(b, '/api/region/release', { reason: 'switch back' })).status).toBe(200);
    await until(() => a.activeSince(marks.releaseB!) !== undefined, 5_000, 'a to take over again');
    await until(() => ordersOf(a, marks.releaseB!) >= 3, 10_000, 'a to place orders again');
  });

  it('a cut off from PostgreSQL stops new exposure before b starts', async () => {
    const before = await leaseRow();
    marks.cut = Date.now();
    proxy.addToxic({ name: 'partition', type: 'resetPeer', direction: 'upstream', attributes: { delayMs: 0 } });
    await until(() => b.activeSince(marks.cut!) !== undefined, 10_000, 'b to take over from the cut-off a');
    const aStopped = a.roles().find((r) => r.from === 'active' && r.at >= marks.cut!)!;
    expect(aStopped).toMatchObject({ to: 'unknown', reason: 'renewal-overdue' });
    expect(aStopped.at).toBeLessThan(b.activeSince(marks.cut!)!);
    expect(aStopped.at - marks.cut!).toBeLessThanOrEqual(LEASE.ttlMs);
    expect((await leaseRow()).epoch).toBeGreaterThan(before.epoch);
    await until(() => ordersOf(b, marks.cut!) >= 3, 10_000, 'b to place orders');
    proxy.removeToxic('partition');
    // Healed: a finds b holding the lease and stays passive.
    marks.healed = Date.now();
    await until(() => a.roles().some((r) => r.to === 'passive' && r.at >= marks.healed!), 10_000, 'a to see b holding the lease');
  });

  it('a SIGKILLed: b takes over only after a\'s lease ran out in the database', async () => {
    marks.releaseB2 = Date.now();
    expect((await post(b, '/api/region/release', { reason: 'a is back' })).status).toBe(200);
    await until(() => a.activeSince(marks.releaseB2!) !== undefined, 5_000, 'a to take over');
    await until(() => ordersOf(a, marks.releaseB2!) >= 3, 10_000, 'a to place orders');
    marks.kill = Date.now();
    await a.stop('SIGKILL');
    const last = await leaseRow();
    expect(last.holder).toBe('a');
    await until(() => b.activeSince(marks.kill!) !== undefined, 10_000, 'b to take over from the dead a');
    expect(b.activeSince(marks.kill!)!).toBeGreaterThanOrEqual(last.expiresAt);
    await until(() => ordersOf(b, marks.kill!) >= 3, 10_000, 'b to place orders');
  });

  it('never both: the trading windows do not overlap, and no order reached the exchange inside the other region\'s window', async () => {
    const end = Date.now();
    const wa = a.windows(end);
    const wb = b.windows(end);
    // Three turns each (a load spike may split one in two: a renewal answered late stops trading until the next).
    expect(wa.length).toBeGreaterThanOrEqual(3);
    expect(wb.length).toBeGreaterThanOrEqual(3);
    for (const [s1, e1] of wa) for (const [s2, e2] of wb) expect(s1 < e2 && s2 < e1, `a ${s1}-${e1} overlaps b ${s2}-${e2}`).toBe(false);
    // The exchange's side: every order the simulator holds, by the region that sent it.
    const regionOf = new Map<string, string>();
    for (const r of [a, b]) for (const l of r.lines()) if (l.kind === 'ORDER') regionOf.set(l.parts[1]!, r.name);
    const held = sim.engine.allOrdersHeld().filter((o) => regionOf.has(o.clientOrderId));
    expect(held.length).toBeGreaterThanOrEqual(ordersOf(a, 0) + ordersOf(b, 0) - 1); // a killed one may not have reported
    for (const order of held) {
      const other = regionOf.get(order.clientOrderId) === 'a' ? wb : wa;
      expect(other.some(([s, e]) => order.time >= s && order.time <= e), `order ${order.clientOrderId} of ${regionOf.get(order.clientOrderId)} at ${order.time}`).toBe(false);
    }
    const gaps = [marks.releaseA, marks.releaseB, marks.cut, marks.releaseB2, marks.kill].map((m) => {
      const next = [...wa, ...wb].map(([s]) => s).filter((s) => s >= m!).sort((x, y) => x - y)[0]!;
      return next - m!;
    });
    console.log(`regions: takeover after release a ${gaps[0]} ms, release b ${gaps[1]} ms, cut ${gaps[2]} ms, release b ${gaps[3]} ms, SIGKILL ${gaps[4]} ms; orders a ${ordersOf(a, 0)}, b ${ordersOf(b, 0)}`);
  });
});
