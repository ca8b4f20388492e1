/**
 * PostgreSQL with a real streaming replica (127.0.0.1:5433, .ci/pg-replica.sh): stale-tolerant reads
 * go to the replica when it is caught up, to the primary when its replay is paused past the lag
 * limit or it is out of reach; the writer finds the primary among [replica, primary]; writes never
 * reach a replica; a primary that moves (two fault proxies swapped over) is found again and a write
 * that provably did not happen is retried there, one whose outcome is unknown is not.
 * Skips with one line when the primary or the replica is absent (fails under BULWARK_REQUIRE_SERVICES=1).
 * The replica is shared: it is never promoted here, and replay is always resumed.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { faultProxy, type FaultProxy } from '../../src/chaos/proxy/fault-proxy.js';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { postgresReplicaGroup } from '../../src/failover/postgres-replicas.js';
import { isConnectionError } from '../../src/storage/connection-error.js';
import type { ReplicaChooser, ReplicaOutcome } from '../../src/storage/replica-chooser.js';
import { replicatedPostgresStorage, type ReplicatedPostgresOptions, type ReplicatedPostgresStorage } from '../../src/storage/replicated-postgres.js';
import type { ReplicaStateChange } from '../../src/storage/replica-reads.js';
import { loadConfig } from '../../src/config/loader.js';
import { storageAlertHistory } from '../../src/observe/alerts/storage-history.js';
import { openConfiguredStores } from '../../src/server/configured-stores.js';
import { orderIntents } from '../../src/storage/repos/order-intents.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';
import { probeReplica, queryOn, replicaUrl, waitFor, waitForReceive, waitForReplay } from './pg-replica.js';

const available = (await requireService('PostgreSQL', probePostgres)) && (await requireService('PostgreSQL replica', probeReplica));

const schema = uniqueSchema('fo_pg');
const quiet = { warn: () => undefined };
const opened: ReplicatedPostgresStorage[] = [];
const proxies: FaultProxy[] = [];

const portOf = (url: string): number => Number(new URL(url).port || 5432);
const primaryPort = portOf(postgresUrl);
const replicaPort = portOf(replicaUrl);
const hostOf = (url: string): string => `${new URL(url).hostname}:${portOf(url)}`;

async function open(options: ReplicatedPostgresOptions = {}): Promise<ReplicatedPostgresStorage> {
  const storage = await replicatedPostgresStorage({ connectionString: postgresUrl, replicas: [replicaUrl], schema, logger: quiet, discoveryIntervalMs: 0, ...options });
  opened.push(storage);
  return storage;
}

/**
 * A fault proxy in front of `upstreamUrl`, and the URL through it. It listens on a port the OS picks
 * (a fixed one can be the local end of some other test's connection), unless `port` asks for the
 * port of a proxy just closed: a proxy taking over another's address. Between the close and the
 * takeover the OS could hand that port to someone else (a tiny race; the takeover needs that address).
 */
async function proxyTo(upstreamUrl: string, port = 0): Promise<{ proxy: FaultProxy; url: string }> {
  const proxy = await faultProxy({ name: `pg-${proxies.length + 1}`, listen: `127.0.0.1:${port}`, upstream: hostOf(upstreamUrl) });
  proxies.push(proxy);
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.listen.port);
  return { proxy, url: url.toString() };
}

/** The port of the server that answered a stale-tolerant read. */
async function readPort(storage: ReplicatedPostgresStorage): Promise<number> {
  const row = await storage.replicaReads.one<{ port: number }>('SELECT inet_server_port() AS port');
  return Number(row?.port);
}

const resumeReplay = async (): Promise<void> => void (await queryOn(replicaUrl, 'SELECT pg_wal_replay_resume()'));

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
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  if (available) await dropSchema(schema);
});

describeWith(available, 'PostgreSQL replicas: stale-tolerant reads', () => {
  it('reads go to the replica when it is caught up, and see what the primary wrote', async () => {
    const storage = await open({ clock: new ManualClock() });
    await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [1, 'replicated']);
    await waitForReplay();
    const row = await storage.replicaReads.one<{ port: number; body: string }>('SELECT inet_server_port() AS port, body FROM notes WHERE id = ?', [1]);
    expect(Number(row?.port)).toBe(replicaPort);
    expect(row?.body).toBe('replicated');
    expect(storage.hosts().find((h) => h.name === hostOf(replicaUrl))).toMatchObject({ condition: 'caught-up', lagMs: 0, reads: 1 });
    expect(storage.hosts().find((h) => h.name === hostOf(postgresUrl))?.reads).toBe(0);
    // The storage's own reads (read-your-writes) stay on the primary.
    expect(Number((await storage.one<{ port: number }>('SELECT inet_server_port() AS port'))?.port)).toBe(primaryPort);
  });

  it('with replay paused and the primary writing, the lag passes the limit and reads go to the primary until it catches up', async () => {
    const clock = new ManualClock();
    const storage = await open({ clock, maxReplicaLagMs: 100, lagCheckIntervalMs: 1_000 });
    const changes: ReplicaStateChange[] = [];
    storage.on('stateChange', (c) => changes.push(c));
    expect(await readPort(storage)).toBe(replicaPort);

    await queryOn(replicaUrl, 'SELECT pg_wal_replay_pause()');
    await waitFor('replay to pause', async () => (await queryOn<{ s: string }>(replicaUrl, 'SELECT pg_get_wal_replay_pause_state() AS s'))[0]?.s === 'paused');
    await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [2, 'held back']);
    await waitForReceive(); // received, not replayed: the idle-primary rule no longer says "caught up"
    await waitFor('the replica to be more than 100 ms behind', async () => {
      const [row] = await queryOn<{ ms: number }>(replicaUrl, 'SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000 AS ms');
      return Number(row?.ms) > 100;
    });

    // Within the check interval the last verdict stands; past it, the lag is measured again.
    await clock.advance(1_000);
    expect(await readPort(storage)).toBe(primaryPort);
    const replica = storage.hosts().find((h) => h.name === hostOf(replicaUrl));
    expect(replica?.condition).toBe('lagging');
    expect(replica?.lagMs).toBeGreaterThan(100);
    expect(storage.primaryFallbackReads).toBe(1);
    // What the primary answers is current: the row the replica has not replayed yet.
    expect((await storage.replicaReads.one<{ body: string }>('SELECT body FROM notes WHERE id = ?', [2]))?.body).toBe('held back');

    await resumeReplay();
    await waitForReplay();
    // Caught up again: the next check says so. (A commit of another test run on the shared primary,
    // caught between received and replayed at the very moment of a check, would delay that by a check.)
    await waitFor('reads to return to the replica', async () => {
      await clock.advance(1_000);
      return (await readPort(storage)) === replicaPort;
    });
    expect(changes.slice(0, 3).map((c) => `${c.host} ${c.from}->${c.to}`)).toEqual([
      `${hostOf(replicaUrl)} unchecked->caught-up`,
      `${hostOf(replicaUrl)} caught-up->lagging`,
      `${hostOf(replicaUrl)} lagging->caught-up`,
    ]);
  });

  it('a replica that is out of reach is skipped: reads go to the primary, without an error', async () => {
    const clock = new ManualClock();
    const { proxy, url } = await proxyTo(replicaUrl);
    const storage = await open({ clock, replicas: [url], lagCheckIntervalMs: 1_000 });
    const viaProxy = `127.0.0.1:${proxy.listen.port}`;
    expect(await readPort(storage)).toBe(replicaPort);

    await proxy.disable(); // every connection dropped, nothing listening
    // A read on the dropped connection fails on the replica and is answered by the primary.
    expect(await readPort(storage)).toBe(primaryPort);
    expect(storage.hosts().find((h) => h.name === viaProxy)?.condition).toBe('down');
    // Later reads skip it without trying it again until the check interval has passed.
    expect(await readPort(storage)).toBe(primaryPort);
    await clock.advance(1_000);
    expect(await readPort(storage)).toBe(primaryPort); // starts a background check; does not wait on it
    await waitFor('the background check to run', async () => storage.hosts().find((h) => h.name === viaProxy)?.checkedAt === 1_000);

    await proxy.enable();
    await clock.advance(1_000);
    expect(await readPort(storage)).toBe(primaryPort); // the check that finds it back runs in the background
    await waitFor('the replica to be found back', async () => storage.hosts().find((h) => h.name === viaProxy)?.condition === 'caught-up');
    expect(await readPort(storage)).toBe(replicaPort);
  });

  it('a failover group (or any chooser) picks among the replicas and hears how each read went', async () => {
    const { url: second } = await proxyTo(replicaUrl);
    const outcomes: string[] = [];
    const picks: string[] = [];
    const chooser = (replicas: ReadonlyArray<{ name: string }>): ReplicaChooser => {
      const names = replicas.map((r) => r.name);
      return {
        pick(exclude) {
          // Always the second replica first, then whatever is left.
          const name = [...names].reverse().find((n) => !exclude?.has(n)) ?? (names[0] as string);
          picks.push(name);
          return { name };
        },
        record(picked, outcome: ReplicaOutcome) {
          outcomes.push(`${picked.name} ${outcome}`);
        },
      };
    };
    const storage = await open({ replicas: [replicaUrl, second], chooser });
    const secondName = hostOf(second);
    expect(await readPort(storage)).toBe(replicaPort);
    expect(picks).toEqual([secondName]);
    expect(outcomes).toEqual([`${secondName} success`]);
    expect(storage.hosts().find((h) => h.name === secondName)?.reads).toBe(1);
  });

  it('with a failover group as chooser: reads spread over the replicas, and a drained replica takes none', async () => {
    const { proxy, url: second } = await proxyTo(replicaUrl);
    const replicas = postgresReplicaGroup({ random: seededRandom(7), clock: new ManualClock() });
    const storage = await open({ replicas: [replicaUrl, second], chooser: replicas.chooser });
    const group = replicas.group;
    if (!group) throw new Error('the group is made when the storage opens');
    const first = hostOf(replicaUrl);
    const secondName = `127.0.0.1:${proxy.listen.port}`;
    expect(group.snapshot().endpoints.map((e) => e.name)).toEqual([hostOf(postgresUrl), first, secondName]);
    for (let i = 0; i < 20; i++) expect(await readPort(storage)).toBe(replicaPort);
    const reads = (name: string): number => storage.hosts().find((h) => h.name === name)?.reads ?? -1;
    expect(reads(first)).toBeGreaterThan(0);
    expect(reads(secondName)).toBeGreaterThan(0);
    expect(reads(first) + reads(secondName)).toBe(20);

    group.drain(secondName, { reason: 'replica maintenance', actor: 'test' });
    const before = reads(secondName);
    for (let i = 0; i < 10; i++) expect(await readPort(storage)).toBe(replicaPort);
    expect(reads(secondName)).toBe(before);
    expect(group.history().some((c) => c.kind === 'endpoint' && c.endpoint === secondName && c.to === 'drained')).toBe(true);
  });
});

describeWith(available, 'PostgreSQL replicas: the writer and the primary', () => {
  it('primary discovery picks the writable host out of [replica, primary]', async () => {
    const storage = await open({ connectionString: replicaUrl, replicas: [postgresUrl] });
    expect(storage.primary).toBe(hostOf(postgresUrl));
    await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [10, 'written to the primary']);
    expect(Number((await storage.one<{ port: number }>('SELECT inet_server_port() AS port'))?.port)).toBe(primaryPort);
    await waitForReplay();
    expect(await readPort(storage)).toBe(replicaPort);
  });

  it('writes never go to a replica: a write through the replica reads is refused there, and on the primary too', async () => {
    const clock = new ManualClock();
    const storage = await open({ clock, maxReplicaLagMs: 0 });
    await expect(storage.replicaReads.all('INSERT INTO notes (id, body) VALUES (?, ?) RETURNING id', [20, 'sneaked'])).rejects.toMatchObject({ code: '25006' });
    // Replay paused: the replica is past the limit, so the read view falls back to the primary, read-only.
    await queryOn(replicaUrl, 'SELECT pg_wal_replay_pause()');
    await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [21, 'moves the primary on']);
    await waitForReceive();
    await clock.advance(1_000);
    expect(await readPort(storage)).toBe(primaryPort);
    await expect(storage.replicaReads.all('INSERT INTO notes (id, body) VALUES (?, ?) RETURNING id', [22, 'sneaked'])).rejects.toMatchObject({ code: '25006' });
    const rows = await queryOn<{ id: number }>(postgresUrl, `SELECT id FROM "${schema}".notes WHERE id IN (20, 22)`);
    expect(rows).toEqual([]);
  });

  it('a write refused as read-only (25006) finds the new primary and is retried there; the old host gets nothing', async () => {
    // Two addresses for the cluster, A (the primary at first) and B; a "failover" swaps what they front.
    const a = await proxyTo(postgresUrl);
    const b = await proxyTo(replicaUrl);
    const storage = await open({ connectionString: a.url, replicas: [b.url], max: 1, prePing: false });
    const moves: string[] = [];
    storage.on('primaryChange', (c) => moves.push(`${c.from}->${c.to} ${c.reason}`));
    expect(storage.primary).toBe(hostOf(a.url));
    await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [30, 'before']);

    await a.proxy.close();
    await b.proxy.close();
    const a2 = await proxyTo(replicaUrl, a.proxy.listen.port);
    await proxyTo(postgresUrl, b.proxy.listen.port);
    // The pooled connection to A died with the proxy; wait until the pool has let it go, so the
    // next statement opens a new connection to A, which is now a standby and refuses the write.
    await waitFor('the pool to drop its dead connection', async () => storage.pool.totalCount === 0);
    let refusedByA = 0;
    a2.proxy.on('received', (e) => void (e.direction === 'downstream' && e.bytes > 0 && refusedByA++));

    await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [31, 'after the move']);
    expect(refusedByA).toBeGreaterThan(0); // it was tried on A first
    expect(storage.primary).toBe(hostOf(b.url));
    expect(moves).toEqual([`${hostOf(a.url)}->${hostOf(b.url)} primary-moved`]);
    const rows = await queryOn<{ id: number }>(postgresUrl, `SELECT id FROM "${schema}".notes WHERE id IN (30, 31) ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual([30, 31]);
  });

  it('a transaction whose connection dies before COMMIT runs again on the new primary; a statement whose outcome is unknown is not sent again', async () => {
    const a = await proxyTo(postgresUrl);
    const b = await proxyTo(replicaUrl);
    const storage = await open({ connectionString: a.url, replicas: [b.url], prePing: false });
    let runs = 0;
    const moved = storage.transaction(async (tx) => {
      runs++;
      await tx.run('INSERT INTO notes (id, body) VALUES (?, ?)', [40 + runs, `run ${runs}`]);
      if (runs === 1) {
        // The "failover" happens in the middle of the first run, before its COMMIT.
        await a.proxy.close();
        await b.proxy.close();
        await proxyTo(replicaUrl, a.proxy.listen.port);
        await proxyTo(postgresUrl, b.proxy.listen.port);
      }
      await tx.run('UPDATE notes SET body = body || ? WHERE id = ?', [' committed', 40 + runs]);
    });
    await moved;
    expect(runs).toBe(2);
    const rows = await queryOn<{ id: number; body: string }>(postgresUrl, `SELECT id, body FROM "${schema}".notes WHERE id IN (41, 42) ORDER BY id`);
    expect(rows).toEqual([{ id: 42, body: 'run 2 committed' }]);
    expect(storage.primary).toBe(hostOf(b.url));

    // Now B's connection dies after an autocommit statement committed but before its answer came
    // back: the outcome is unknown to the writer, so the error reaches the caller and the statement
    // is not sent again (a second try would fail on the primary key, or worse, on another table).
    const b2 = proxies.at(-1) as FaultProxy;
    b2.addToxic({ type: 'timeout', direction: 'downstream', attributes: { timeoutMs: 0 } });
    const lost = storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [43, 'unknown']);
    const committed = async (): Promise<number> => (await queryOn<{ n: number }>(postgresUrl, `SELECT count(*)::int AS n FROM "${schema}".notes WHERE id = 43`))[0]?.n ?? -1;
    await waitFor('the statement to commit on the primary', async () => (await committed()) === 1);
    await b2.disable();
    b2.removeAllToxics();
    await b2.enable(); // B answers again at once: a retry would reach it
    const error = await lost.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConnectionError(error)).toBe(true);
    expect((error as { code?: string }).code).not.toBe('23505');
    expect(await committed()).toBe(1);
    expect(storage.primary).toBe(hostOf(b.url));
  });
});

describeWith(available, 'PostgreSQL replicas: no primary to be found', () => {
  it('the primary down and no standby promoted: the write fails with its own connection error (a spooled writer recognises it), after the discovery rounds', async () => {
    const a = await proxyTo(postgresUrl);
    const clock = new ManualClock();
    const storage = await open({ connectionString: a.url, clock, discoveryAttempts: 3, discoveryIntervalMs: 500 });
    await a.proxy.disable();
    const write = storage.transaction((tx) => tx.run('INSERT INTO notes (id, body) VALUES (?, ?)', [50, 'no primary']));
    const outcome = write.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Three rounds of asking every host, 500 ms of the storage clock apart.
    await waitFor('the first discovery round to wait', async () => clock.pendingTimers > 0);
    await clock.advance(500);
    await waitFor('the second round to wait', async () => clock.pendingTimers > 0);
    await clock.advance(500);
    const error = await outcome;
    expect(isConnectionError(error)).toBe(true);
    expect(storage.primary).toBe(hostOf(a.url));
    await a.proxy.enable();
    await storage.run('INSERT INTO notes (id, body) VALUES (?, ?)', [51, 'back']);
  });
});

describeWith(available, 'PostgreSQL replicas: a primary that comes back as a standby', () => {
  it('after a search that found no primary, a read-your-writes read asks the hosts first: it never lands on the old primary returned as a standby', async () => {
    const a = await proxyTo(postgresUrl);
    const b = await proxyTo(replicaUrl);
    const storage = await open({ connectionString: a.url, replicas: [b.url], discoveryAttempts: 1, prePing: false });
    expect(storage.primary).toBe(hostOf(a.url));
    await a.proxy.close(); // the primary goes away; B is still a standby: no primary anywhere
    await expect(storage.one('SELECT 1 AS one')).rejects.toSatisfy(isConnectionError);
    await waitFor('the search for a primary to end', async () => (await storage.rediscoverPrimary().catch(() => 'none')) === 'none');
    // The "failover" completes: B is promoted, A rejoins as a standby.
    await b.proxy.close();
    await proxyTo(replicaUrl, a.proxy.listen.port);
    await proxyTo(postgresUrl, b.proxy.listen.port);
    const row = await storage.one<{ port: number; standby: boolean }>('SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby');
    expect(row).toMatchObject({ port: primaryPort, standby: false });
    expect(storage.primary).toBe(hostOf(b.url));
  });
});

describeWith(available, 'PostgreSQL replicas from the configuration (storage.postgresReplicaUrls)', () => {
  it('the configured stores write to the primary and serve the opted-in lists (alert history, order history) from the replica, chosen by a failover group', async () => {
    const cfgSchema = uniqueSchema('fo_pg_cfg');
    const config = loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: { storage: { kind: 'postgres', postgresUrl, postgresSchema: cfgSchema, postgresReplicaUrls: [replicaUrl], postgresMaxReplicaLagMs: 5_000 } },
    }).config;
    const stores = await openConfiguredStores(config);
    try {
      const storage = stores.storage as ReplicatedPostgresStorage;
      expect(stores.replicaGroup?.snapshot().endpoints.map((e) => e.name)).toEqual([hostOf(postgresUrl), hostOf(replicaUrl)]);
      const history = await storageAlertHistory(storage);
      await history.record({ at: 1, rule: 'replica-lag', event: 'firing', severity: 'warning' });
      const intents = orderIntents(storage);
      await intents.put({ intentId: 'fo-pg-1', clientOrderId: 'fo-pg-c1', exchange: 'sim', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 1, price: 100 });
      await waitForReplay();
      const replicaReads = (): number => storage.hosts().find((h) => h.name === hostOf(replicaUrl))?.reads ?? -1;
      expect((await history.list()).map((e) => e.rule)).toEqual(['replica-lag']);
      expect(replicaReads()).toBe(1);
      expect((await intents.listRecent(10)).map((i) => i.intentId)).toEqual(['fo-pg-1']);
      expect(replicaReads()).toBe(2);
      // A read-your-writes path stays on the primary.
      expect((await intents.get('fo-pg-1'))?.clientOrderId).toBe('fo-pg-c1');
      expect(replicaReads()).toBe(2);
    } finally {
      await stores.close();
      await dropSchema(cfgSchema);
    }
  });
});
