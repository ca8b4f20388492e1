/**
 * Whether a failed write may be sent again, to the same primary or a new one: only when it provably
 * did not take effect. A write whose outcome is unknown (the connection died after the statement,
 * or its COMMIT, was sent) is never retried here: the caller learns of the failure and decides
 * (the spooled writer and the order journal write idempotently, keyed by id).
 *
 * Known not to have taken effect:
 * - no connection could be had: the statement was never sent (marked by the storage);
 * - a transaction failed before its COMMIT was sent: the server rolls it back, even when the
 *   connection died (marked by the storage);
 * - the server refused the statement with an ordinary SQLSTATE (e.g. 25006, read-only: the host
 *   is a standby): the statement, and its transaction, rolled back. The fatal classes 08 (connection
 *   exception) and 57P (shutdown, terminated) are excluded: such an error can follow a commit.
 */
import { isConnectionError } from './connection-error.js';

const notApplied = new WeakSet<object>();

/** Records that the write which failed with `error` did not take effect. */
export function markNotApplied(error: unknown): void {
  if (typeof error === 'object' && error !== null) notApplied.add(error);
}

const sqlState = (error: unknown): string | undefined => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** SQLSTATE 25006 read_only_sql_transaction: the host is a standby (or the pool is read-only). */
export function isReadOnlyRefusal(error: unknown): boolean {
  return sqlState(error) === '25006';
}

/** True when the write that failed with `error` provably did not take effect. */
export function wasNotApplied(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && notApplied.has(error)) return true;
  const state = sqlState(error);
  return state !== undefined && !state.startsWith('08') && !state.startsWith('57P');
}

/** The error says the host may no longer be the primary: it refused a write as a standby, or it is out of reach. */
export function isPrimaryLost(error: unknown): boolean {
  return isReadOnlyRefusal(error) || isConnectionError(error);
}

/** A write that failed with `error` may be sent again to the (re-discovered) primary. */
export function mayRetryWrite(error: unknown): boolean {
  return isPrimaryLost(error) && wasNotApplied(error);
}
