/**
 * How far behind the primary a hot standby is, measured on the standby itself:
 * `now() - pg_last_xact_replay_timestamp()`, the age of the last transaction it replayed.
 *
 * That figure alone misleads when the primary is idle: nothing new to replay, so the last replayed
 * commit grows old and the replica looks further and further behind while it is fully current.
 * Hence the rule: a replica whose WAL receiver is running and which has replayed everything it
 * received (`pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()`) is caught up, lag 0. Without a
 * running receiver (the stream is down), the age of the last replay is all there is, so an idle
 * primary makes a disconnected replica look stale: the safe side.
 *
 * Caveats, written in docs/storage.md: the figure compares the replica's clock with the primary's
 * commit times, so clock skew between the two hosts adds to or takes from it (keep them on NTP);
 * right after an idle period the first new commit can make a replica look as old as the idle time
 * until it replays it (a few ms), which sends reads to the primary meanwhile.
 */
import type { Queryable } from './types.js';

/** Lag measurement, run on the host asked. */
export const REPLICA_LAG_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  EXISTS (SELECT 1 FROM pg_stat_wal_receiver) AS receiving,
  COALESCE(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false) AS replayed_all,
  (EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) * 1000)::float8 AS replay_age_ms`;

/** What a host said about itself: the primary (not in recovery), or a standby and its lag (undefined: unknown). */
export type ReplicaLag = { role: 'primary' } | { role: 'standby'; lagMs: number | undefined };

/** The row `REPLICA_LAG_SQL` returns. */
export interface ReplicaLagRow {
  in_recovery: boolean;
  receiving: boolean;
  replayed_all: boolean;
  replay_age_ms: number | null;
}

/** What the row says (the rule above). */
export function lagFromRow(row: ReplicaLagRow | undefined): ReplicaLag {
  if (!row || !row.in_recovery) return { role: 'primary' };
  if (row.receiving && row.replayed_all) return { role: 'standby', lagMs: 0 };
  if (row.replay_age_ms === null) return { role: 'standby', lagMs: undefined };
  // A replica clock behind the primary's gives a negative age: the replica is at least current.
  return { role: 'standby', lagMs: Math.max(0, row.replay_age_ms) };
}

/** Measures one host's lag, one round trip. */
export async function measureReplicaLag(db: Pick<Queryable, 'one'>): Promise<ReplicaLag> {
  return lagFromRow(await db.one<ReplicaLagRow & Record<string, unknown>>(REPLICA_LAG_SQL));
}
