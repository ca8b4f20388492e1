/**
 * Leader election on the real Redis (and a fence on the real PostgreSQL). In-process contenders
 * run on ManualClocks: their renewals and deadlines move only when a test advances them. The
 * SIGKILL test runs on the system clock, since a dead leader's lease can only expire in Redis time.
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type LeaderElection, leaderElection } from '../../src/fleet/leader.js';
import { FENCE_TABLE_SQL, StaleFencingTokenError, claimFence, fencedSet } from '../../src/fleet/leader-fence.js';
import { deleteKeys, describeWith, postgresUrl, probeRedis, redisUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';
import { electedChild } from './fixtures/leader-child.js';

const available = await requireService(`Redis at ${redisUrl}`, probeRedis);
const pgAvailable = available && (await requireService(`PostgreSQL at ${postgresUrl}`, probePostgres));
const run = `test:${process.pid}:${Date.now()}:leader:`;
const LEASE_MS = 10_000;
const RENEW_MS = 3_000;

interface Contender {
  clock: ManualClock;
  election: LeaderElection;
  redis: Redis;
  log: string[];
}

const made: Contender[] = [];
let counter = 0;
let prefix = '';

function contender(instance: string): Contender {
  const clock = new ManualClock();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const election = leaderElection({ redis, prefix, name: 'reconcile', instance, leaseMs: LEASE_MS, renewMs: RENEW_MS, clock });
  const log: string[] = [];
  election.on('elected', (e) => log.push(`elected ${e.token}`));
  election.on('deposed', (e) => log.push(`deposed ${e.token} ${e.reason}`));
  const c = { clock, election, redis, log };
  made.push(c);
  return c;
}

/** Every command the contender sent so far has been answered (one connection answers in order). */
async function drained(c: Contender): Promise<void> {
  await c.redis.ping();
}

describeWith(available, 'leader election over a Redis lease', () => {
  afterEach(async () => {
    for (const c of made.splice(0)) {
      await c.election.stop();
      c.redis.disconnect();
    }
  });
  afterAll(async () => {
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, run);
    redis.disconnect();
  });

  function fresh(): void {
    prefix = `${run}${counter++}:`;
  }

  it('two contenders: one leads; when it stops, the other is elected with a larger token', async () => {
    fresh();
    const a = contender('a');
    a.election.start();
    await vi.waitFor(() => expect(a.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    const b = contender('b');
    b.election.start();
    await drained(b);
    expect(b.election.isLeader).toBe(false);
    // A keeps its lease by renewing; B keeps asking, in vain.
    for (let i = 0; i < 3; i++) {
      await a.clock.advance(RENEW_MS);
      await b.clock.advance(RENEW_MS);
      await drained(a);
      await drained(b);
    }
    expect([a.election.isLeader, b.election.isLeader]).toEqual([true, false]);
    const first = a.election.token!;
    await a.election.stop();
    expect(a.log).toEqual([`elected ${first}`, `deposed ${first} resigned`]);
    await b.clock.advance(RENEW_MS);
    await vi.waitFor(() => expect(b.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    expect(b.election.token).toBeGreaterThan(first);
  });

  it('a leader whose lease was taken away is deposed at its next renewal (lost)', async () => {
    fresh();
    const a = contender('a');
    a.election.start();
    await vi.waitFor(() => expect(a.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    await a.redis.set(`${prefix}leader:{reconcile}:lease`, 'someone-else|999', 'PX', 60_000);
    await a.clock.advance(RENEW_MS);
    await vi.waitFor(() => expect(a.log.at(-1)).toMatch(/^deposed \d+ lost$/), { timeout: 5_000, interval: 5 });
    expect(a.election.token).toBeUndefined();
  });

  it('a leader that cannot reach Redis steps down when its lease may have ended (expired)', async () => {
    fresh();
    const a = contender('a');
    a.election.start();
    await vi.waitFor(() => expect(a.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    const ended = once(a.redis, 'end');
    a.redis.disconnect();
    await ended;
    await a.clock.advance(LEASE_MS - 1);
    expect(a.election.isLeader).toBe(true);
    await a.clock.advance(1);
    expect(a.election.isLeader).toBe(false);
    expect(a.log.at(-1)).toMatch(/^deposed \d+ expired$/);
  });

  it('a deposed leader\'s stale token is refused by the guarded write (Redis)', async () => {
    fresh();
    const a = contender('a');
    a.election.start();
    await vi.waitFor(() => expect(a.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    const stale = a.election.token!;
    const fence = `${prefix}fence:intents`;
    const key = `${prefix}intents:owner`;
    await fencedSet(a.redis, { fence, key, value: 'a', token: stale });
    // A pauses (no renewals); its lease ends; B takes over and writes.
    await a.redis.del(`${prefix}leader:{reconcile}:lease`);
    const b = contender('b');
    b.election.start();
    await vi.waitFor(() => expect(b.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    await fencedSet(b.redis, { fence, key, value: 'b', token: b.election.token! });
    // A, not yet aware, writes with its old token: refused, and B's value stands.
    const error = await fencedSet(a.redis, { fence, key, value: 'a-late', token: stale }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleFencingTokenError);
    expect(error).toMatchObject({ code: 'STALE_FENCING_TOKEN', token: stale });
    expect(await a.redis.get(key)).toBe('b');
  });

  it('stopped while its first attempt is on its way: a lease granted meanwhile is given back', async () => {
    fresh();
    const a = contender('a');
    a.election.start();
    await a.election.stop(); // before the reply
    await drained(a); // the acquire's reply, then the give-back it triggers, are answered by now
    await drained(a);
    expect(a.log).toEqual([]);
    expect(await a.redis.exists(`${prefix}leader:{reconcile}:lease`)).toBe(0);
  });

  it('refuses bad options, naming them', () => {
    const redis = new Redis(redisUrl, { lazyConnect: true });
    expect(() => leaderElection({ redis, name: '' })).toThrow(/name must be a non-empty string/);
    expect(() => leaderElection({ redis, name: 'x', leaseMs: 1_000, renewMs: 1_000 })).toThrow(/renewMs \(1000\) must be less than leaseMs \(1000\)/);
    expect(() => leaderElection({ redis, name: 'x', leaseMs: -5 })).toThrow(/leaseMs must be an integer >= 1, got -5/);
    redis.disconnect();
  });

  it('a leader process killed with SIGKILL: another takes over within leaseMs + renewMs', async () => {
    fresh();
    const leaseMs = 1_000;
    const renewMs = 250;
    const leader = await electedChild('leader-worker.ts', [redisUrl, prefix, 'backups', String(leaseMs), String(renewMs)]);
    try {
      const redis = new Redis(redisUrl);
      const survivor = leaderElection({ redis, prefix, name: 'backups', instance: 'survivor', leaseMs, renewMs });
      const takeover = new Promise<{ token: number; at: number }>((resolve) => survivor.on('elected', (e) => resolve({ token: e.token, at: Date.now() })));
      survivor.start();
      await redis.ping(); // its first attempt has been answered
      expect(survivor.isLeader).toBe(false);
      const killedAt = await leader.kill();
      const { token, at } = await takeover;
      const tookMs = at - killedAt;
      console.log(`leader takeover after SIGKILL: ${tookMs} ms (bound leaseMs + renewMs = ${leaseMs + renewMs} ms)`);
      expect(token).toBeGreaterThan(leader.token);
      // The bound, plus one round trip and scheduling on a busy machine.
      expect(tookMs).toBeLessThanOrEqual(leaseMs + renewMs + 500);
      await survivor.stop();
      redis.disconnect();
    } finally {
      leader.child.kill('SIGKILL');
    }
  }, 20_000);
});

describeWith(pgAvailable, 'guarded writes on PostgreSQL', () => {
  const schema = uniqueSchema('fence');
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 2, options: `-c search_path=${schema}` });
  afterAll(async () => {
    await pool.end();
    await dropSchema(schema);
  });

  it('a stale token is refused inside the transaction, and its writes roll back', async () => {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pool.query(FENCE_TABLE_SQL);
    await pool.query('CREATE TABLE duties (name text PRIMARY KEY, done_by text NOT NULL)');
    async function guarded(token: number, by: string): Promise<void> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await claimFence(client, 'retention', token);
        await client.query(`INSERT INTO duties VALUES ('retention', $1) ON CONFLICT (name) DO UPDATE SET done_by = EXCLUDED.done_by`, [by]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    }
    await guarded(7, 'old leader');
    await guarded(8, 'new leader');
    await guarded(8, 'new leader again'); // the same leadership writes as often as it likes
    const error = await guarded(7, 'old leader, late').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleFencingTokenError);
    expect((await pool.query('SELECT done_by FROM duties')).rows).toEqual([{ done_by: 'new leader again' }]);
  });
});
