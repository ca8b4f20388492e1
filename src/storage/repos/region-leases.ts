/**
 * The region lease's record in PostgreSQL: one row per lease with its holder (a region's name), a
 * fencing epoch (incremented at every new acquisition, never reset) and an expiry in the
 * database's own time. Every statement reads the database's clock once (`clock_timestamp()`), so
 * every decision about expiry is taken on one clock, whatever the regions' machines think the time is:
 *
 *  - acquire: takes the row only when it is absent or its expiry has passed (a new epoch), and
 *    records the grant its region's followers may trade on (`grantMs`, below);
 *  - renew: moves the expiry to now + ttl, only for the same holder and epoch, only while it has not
 *    passed and the lease was not released (a lease that ran out must be acquired again, under a
 *    new epoch);
 *  - release: marks the lease released and ends it at now + grantMs at the latest, so another may
 *    acquire it as soon as the followers' grants have run out (at once when grantMs is 0).
 *
 * Followers: the other trading processes of the holder's region (its bots) read the row and may
 * trade for at most `grantMs` past each read (never past the expiry), and not at all once it says
 * released; so no follower's right outlives the lease, a released one included.
 *
 * Why a row and not an advisory lock (as the fleet's leader election uses): a session lock lasts
 * as long as the server keeps the session, and a holder cut off from the server cannot know when
 * that ends (the server notices a dead peer only through TCP keepalive or a timeout), so it cannot
 * stop trading in time. A row with an expiry gives both sides a bound: the other region may take
 * the lease only once the expiry has passed on the database's clock, and the holder knows, on its
 * own clock, by when it must have stopped (see src/failover/region-lease.ts).
 */
import type { Migration, Queryable } from '../types.js';

/** The lease as the store holds it; `expiresAtMs` is the database's time (ms since the epoch). */
export interface LeaseRecord {
  holder: string;
  epoch: number;
  expiresAtMs: number;
  /** The holder gave it up: no one renews or follows it; another acquires it once it expires. */
  released: boolean;
  /** How long past a read a follower of the holder's region may trade on it (ms). */
  grantMs: number;
}

/** What a store answers: whether the asker holds the lease now, the lease as it stands, and the store's time. */
export interface LeaseReply {
  held: boolean;
  lease: LeaseRecord | null;
  nowMs: number;
}

/** Where a region lease lives: a row in PostgreSQL (`postgresRegionLeases`), or memory for one process (`memoryRegionLeaseStore`). */
export interface RegionLeaseStore {
  /** Takes the lease for `holder` with a new epoch when it is free (absent or expired); `grantMs` is its followers' grant. */
  acquire(name: string, holder: string, ttlMs: number, grantMs: number): Promise<LeaseReply>;
  /** Extends the lease to the store's now + ttl while `holder` holds it under `epoch` and it has not expired. */
  renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<LeaseReply>;
  /** Marks the lease released and ends it within its grant, when `holder` holds it under `epoch`. */
  release(name: string, holder: string, epoch: number): Promise<LeaseReply>;
  /** The lease as it stands. */
  read(name: string): Promise<LeaseReply>;
}

/**
 * The table, in the storage's schema: a migration of the service's (SERVICE_MIGRATIONS, applied at
 * start). IF NOT EXISTS: a database that holds the table from before it was a migration keeps it.
 * Plain SQL both dialects take, so the service's migrations stay one list on SQLite as well.
 */
export const regionLeasesMigration: Migration = {
  id: 'failover-001-region-leases',
  up: `CREATE TABLE IF NOT EXISTS bulwark_region_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  acquired_at_ms bigint NOT NULL,
  released boolean NOT NULL,
  grant_ms bigint NOT NULL
)`,
};

/** The database's clock, read once per statement (a volatile CTE is evaluated once). */
const NOW = `t AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms)`;
/** The changed row when the statement changed it, else the row as it stands (held: false). */
const ANSWER = `SELECT u.holder, u.epoch, u.expires_at_ms, u.released, u.grant_ms, true AS held, t.now_ms FROM up u, t
  UNION ALL
  SELECT l.holder, l.epoch, l.expires_at_ms, l.released, l.grant_ms, false AS held, t.now_ms FROM t LEFT JOIN bulwark_region_leases l ON l.name = ?
  WHERE NOT EXISTS (SELECT 1 FROM up)`;

const ACQUIRE_SQL = `WITH ${NOW}, up AS (
  INSERT INTO bulwark_region_leases AS l (name, holder, epoch, expires_at_ms, acquired_at_ms, released, grant_ms)
  SELECT ?, ?, 1, t.now_ms + ?, t.now_ms, false, ? FROM t
  ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, epoch = l.epoch + 1, expires_at_ms = EXCLUDED.expires_at_ms,
    acquired_at_ms = EXCLUDED.acquired_at_ms, released = false, grant_ms = EXCLUDED.grant_ms
  WHERE l.expires_at_ms <= EXCLUDED.acquired_at_ms
  RETURNING l.holder, l.epoch, l.expires_at_ms, l.released, l.grant_ms
) ${ANSWER}`;

const RENEW_SQL = `WITH ${NOW}, up AS (
  UPDATE bulwark_region_leases l SET expires_at_ms = t.now_ms + ? FROM t
  WHERE l.name = ? AND l.holder = ? AND l.epoch = ? AND l.expires_at_ms > t.now_ms AND NOT l.released
  RETURNING l.holder, l.epoch, l.expires_at_ms, l.released, l.grant_ms
) ${ANSWER}`;

const RELEASE_SQL = `WITH ${NOW}, up AS (
  UPDATE bulwark_region_leases l SET released = true, expires_at_ms = LEAST(l.expires_at_ms, t.now_ms + l.grant_ms) FROM t
  WHERE l.name = ? AND l.holder = ? AND l.epoch = ? AND l.expires_at_ms > t.now_ms AND NOT l.released
  RETURNING l.holder, l.epoch, l.expires_at_ms, l.released, l.grant_ms
) ${ANSWER}`;

const READ_SQL = `WITH ${NOW}, up AS (
  SELECT NULL::text AS holder, NULL::bigint AS epoch, NULL::bigint AS expires_at_ms, NULL::boolean AS released, NULL::bigint AS grant_ms WHERE false
) ${ANSWER}`;

interface AnswerRow extends Record<string, unknown> {
  holder: string | null;
  epoch: string | number | null;
  expires_at_ms: string | number | null;
  released: boolean | null;
  grant_ms: string | number | null;
  held: boolean;
  now_ms: string | number;
}

function replyOf(row: AnswerRow | undefined): LeaseReply {
  if (!row) throw new Error('region lease store: the statement returned no row');
  const lease = row.holder === null ? null : { holder: row.holder, epoch: Number(row.epoch), expiresAtMs: Number(row.expires_at_ms), released: row.released === true, grantMs: Number(row.grant_ms) };
  // A lease just released answers held: false, as the asker no longer holds it.
  const held = row.held === true && lease !== null && !lease.released && lease.expiresAtMs > Number(row.now_ms);
  return { held, lease, nowMs: Number(row.now_ms) };
}

/** PostgreSQL's SQLSTATE for a table that does not exist. */
const UNDEFINED_TABLE = '42P01';

/**
 * The region lease over PostgreSQL (the shared database of every region). The table comes from
 * `regionLeasesMigration`, which the service applies at start; a store without it says so.
 */
export function postgresRegionLeases(db: Queryable): RegionLeaseStore {
  if (db.dialect !== 'postgres') throw new TypeError(`postgresRegionLeases: needs PostgreSQL storage (the regions share it), got ${db.dialect}`);
  const ask = async (sql: string, params: Array<string | number>): Promise<LeaseReply> => {
    try {
      return replyOf(await db.one<AnswerRow>(sql, params));
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === UNDEFINED_TABLE) {
        throw new Error(`postgresRegionLeases: table bulwark_region_leases does not exist: apply migration ${regionLeasesMigration.id} (regionLeasesMigration; the service applies it at start)`, { cause: error });
      }
      throw error;
    }
  };
  return {
    acquire: async (name, holder, ttlMs, grantMs) => {
      const reply = await ask(ACQUIRE_SQL, [name, holder, ttlMs, grantMs, name]);
      // Lost a race with another's first insert: the statement's snapshot predates that row, so read it anew.
      return reply.held || reply.lease !== null ? reply : ask(READ_SQL, [name]);
    },
    renew: (name, holder, epoch, ttlMs) => ask(RENEW_SQL, [ttlMs, name, holder, epoch, name]),
    release: (name, holder, epoch) => ask(RELEASE_SQL, [name, holder, epoch, name]),
    read: (name) => ask(READ_SQL, [name]),
  };
}
