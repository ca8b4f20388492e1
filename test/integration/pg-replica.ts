/**
 * The streaming replica of the test PostgreSQL (set up by .ci/pg-replica.sh on 127.0.0.1:5433):
 * its URL, a probe that also checks it is a standby, and helpers to wait on replication.
 */
import pg from 'pg';
import { postgresUrl } from '../support/services.js';

export const replicaUrl = process.env.BULWARK_TEST_PG_REPLICA_URL ?? 'postgres://postgres@127.0.0.1:5433/test';

/** Runs one statement on `url`, on a connection of its own. */
export async function queryOn<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Resolves when the replica answers and is in recovery (a hot standby); rejects with the reason otherwise. */
export async function probeReplica(): Promise<void> {
  const [row] = await queryOn<{ standby: boolean }>(replicaUrl, 'SELECT pg_is_in_recovery() AS standby');
  if (!row?.standby) throw new Error(`${new URL(replicaUrl).host} answers but is not a standby (run .ci/pg-replica.sh)`);
}

/** Polls `condition` every 20 ms until it holds; fails after `limitMs` saying what it waited for. */
export async function waitFor(what: string, condition: () => Promise<boolean>, limitMs = 15_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The primary's current WAL position. */
async function primaryLsn(): Promise<string> {
  const [row] = await queryOn<{ lsn: string }>(postgresUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
  return row?.lsn ?? '0/0';
}

/** Waits until the replica has `column` (received or replayed WAL) at or past the primary's position now. */
async function waitForWal(kind: 'receive' | 'replay'): Promise<void> {
  const lsn = await primaryLsn();
  await waitFor(`the replica to ${kind} WAL up to ${lsn}`, async () => {
    const [row] = await queryOn<{ done: boolean }>(replicaUrl, `SELECT pg_last_wal_${kind}_lsn() >= $1::pg_lsn AS done`, [lsn]);
    return row?.done === true;
  });
}

/** Waits until the replica has replayed everything the primary has written so far. */
export const waitForReplay = (): Promise<void> => waitForWal('replay');
/** Waits until the replica has received (not necessarily replayed) everything the primary has written so far. */
export const waitForReceive = (): Promise<void> => waitForWal('receive');
