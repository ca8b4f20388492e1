/**
 * Leader election over a PostgreSQL advisory lock on the real server, in a schema of its own.
 * In-process contenders run on ManualClocks; the SIGKILL test on the system clock, since only the
 * server's dropping of the dead session frees the lock.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type PostgresLeaderElection, postgresLeaderElection } from '../../src/fleet/leader-postgres.js';
import { FENCE_TABLE_SQL, StaleFencingTokenError, claimFence } from '../../src/fleet/leader-fence.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';
import { electedChild } from './fixtures/leader-child.js';

const available = await requireService(`PostgreSQL at ${postgresUrl}`, probePostgres);
const schema = uniqueSchema('leader');
const url = `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const RETRY_MS = 1_000;
const made: PostgresLeaderElection[] = [];
let counter = 0;

function contender(instance: string, name: string, clock = new ManualClock()) {
  const election = postgresLeaderElection({ connectionString: url, name, instance: `${schema}:${instance}`, retryMs: RETRY_MS, clock });
  const log: string[] = [];
  election.on('elected', (e) => log.push(`elected ${e.token}`));
  election.on('deposed', (e) => log.push(`deposed ${e.token} ${e.reason}`));
  made.push(election);
  return { election, clock, log };
}

/** Waits until the contender's session has asked for the lock and got its answer. */
async function asked(instance: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const rows = await adminQuery<{ query: string; state: string }>('SELECT query, state FROM pg_stat_activity WHERE application_name = $1', [`bulwark leader ${schema}:${instance}`.slice(0, 63)]);
      expect(rows[0]).toMatchObject({ state: 'idle', query: expect.stringContaining('pg_try_advisory_lock') });
    },
    { timeout: 5_000, interval: 20 },
  );
}

describeWith(available, 'leader election over a PostgreSQL advisory lock', () => {
  beforeAll(async () => {
    await adminQuery(`CREATE SCHEMA "${schema}"`);
  });
  afterEach(async () => {
    for (const e of made.splice(0)) await e.stop();
  });
  afterAll(async () => {
    await dropSchema(schema);
  });

  it('two contenders: one leads; when it stops, the other is elected with a larger token; the stale token is refused', async () => {
    const name = `duty-${counter++}`;
    const a = contender('a', name);
    a.election.start();
    await vi.waitFor(() => expect(a.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    const b = contender('b', name);
    b.election.start();
    await asked('b');
    expect(b.election.isLeader).toBe(false);
    // The leader checks its connection; the other keeps asking, in vain.
    await a.clock.advance(RETRY_MS);
    await b.clock.advance(RETRY_MS);
    await asked('b');
    expect([a.election.isLeader, b.election.isLeader]).toEqual([true, false]);
    const first = a.election.token!;
    await a.election.stop();
    expect(a.log).toEqual([`elected ${first}`, `deposed ${first} resigned`]);
    await b.clock.advance(RETRY_MS);
    await vi.waitFor(() => expect(b.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    const second = b.election.token!;
    expect(second).toBeGreaterThan(first);

    // The guarded write: the successor claims the fence; the deposed leader's token is refused.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(FENCE_TABLE_SQL);
      await claimFence(client, name, second);
      await expect(claimFence(client, name, first)).rejects.toBeInstanceOf(StaleFencingTokenError);
    } finally {
      await client.end();
    }
  });

  it('a leader whose connection is killed by the server is deposed (lost)', async () => {
    const name = `duty-${counter++}`;
    const a = contender('killed', name);
    a.election.start();
    await vi.waitFor(() => expect(a.election.isLeader).toBe(true), { timeout: 5_000, interval: 5 });
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`bulwark leader ${schema}:killed`]);
    await vi.waitFor(() => expect(a.log.at(-1)).toMatch(/^deposed \d+ lost$/), { timeout: 5_000, interval: 5 });
  });

  it('a leader process killed with SIGKILL: another takes over within retryMs of the session ending', async () => {
    const name = `duty-${counter++}`;
    const retryMs = 250;
    const leader = await electedChild('leader-postgres-worker.ts', [url, name, String(retryMs)]);
    try {
      const survivor = postgresLeaderElection({ connectionString: url, name, instance: `${schema}:survivor`, retryMs });
      made.push(survivor);
      const takeover = new Promise<{ token: number; at: number }>((resolve) => survivor.on('elected', (e) => resolve({ token: e.token, at: Date.now() })));
      survivor.start();
      await asked('survivor');
      expect(survivor.isLeader).toBe(false);
      const killedAt = await leader.kill();
      const { token, at } = await takeover;
      console.log(`PostgreSQL leader takeover after SIGKILL: ${at - killedAt} ms (retryMs ${retryMs})`);
      expect(token).toBeGreaterThan(leader.token);
      // The session ends when the kernel closes the dead process's socket; then one retry at most,
      // plus scheduling on a busy machine.
      expect(at - killedAt).toBeLessThanOrEqual(retryMs + 1_000);
    } finally {
      leader.child.kill('SIGKILL');
    }
  }, 20_000);
});
