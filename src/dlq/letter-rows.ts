import { sanitizeText } from '../core/secrets.js';
import { checkInteger } from '../core/option-checks.js';
import type { SqlValue } from '../storage/types.js';
import type { DeadLetter, DeadLetterFilter, DeadLetterStatus } from './dead-letters.js';

/** How a dead letter maps to and from a `dead_letters` row, and how a filter becomes a WHERE clause. */

export interface LetterRow {
  [key: string]: unknown;
  id: string;
  queue: string;
  operation: string;
  payload: string;
  error: string;
  attempts: number;
  first_failed_at: number;
  last_failed_at: number;
  correlation_id: string | null;
  status: DeadLetterStatus;
  replay_attempts: number;
  replayed_at: number | null;
  created_at: number;
}

export const columns =
  'id, queue, operation, payload, error, attempts, first_failed_at, last_failed_at, correlation_id, status, replay_attempts, replayed_at, created_at';

/** An error as one line of text: `Name: message` for errors, JSON or String for anything else; secrets masked (core/secrets.ts). */
export function describeError(error: unknown): string {
  return sanitizeText(rawDescription(error));
}

function rawDescription(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

export function fromRow(row: LetterRow): DeadLetter {
  return {
    id: row.id,
    queue: row.queue,
    operation: row.operation,
    payload: JSON.parse(row.payload) as unknown,
    error: row.error,
    attempts: Number(row.attempts),
    firstFailedAt: Number(row.first_failed_at),
    lastFailedAt: Number(row.last_failed_at),
    correlationId: row.correlation_id,
    status: row.status,
    replayAttempts: Number(row.replay_attempts),
    replayedAt: row.replayed_at === null ? null : Number(row.replayed_at),
    createdAt: Number(row.created_at),
    idempotencyKey: `dlq:${row.queue}:${row.id}`,
  };
}

export function where(queue: string, filter: DeadLetterFilter = {}): { sql: string; values: SqlValue[] } {
  const parts = ['queue = ?'];
  const values: SqlValue[] = [queue];
  if (filter.ids !== undefined) {
    if (filter.ids.length === 0) parts.push('1 = 0');
    else {
      parts.push(`id IN (${filter.ids.map(() => '?').join(', ')})`);
      values.push(...filter.ids);
    }
  }
  const equal: Array<[string, string | undefined]> = [
    ['operation', filter.operation],
    ['status', filter.status],
    ['correlation_id', filter.correlationId],
  ];
  for (const [column, value] of equal) {
    if (value !== undefined) {
      parts.push(`${column} = ?`);
      values.push(value);
    }
  }
  if (filter.since !== undefined) {
    parts.push('last_failed_at >= ?');
    values.push(filter.since);
  }
  if (filter.until !== undefined) {
    parts.push('last_failed_at < ?');
    values.push(filter.until);
  }
  return { sql: parts.join(' AND '), values };
}

export function checkPage(filter: DeadLetterFilter): void {
  for (const key of ['limit', 'offset'] as const) {
    const value = filter[key];
    if (value !== undefined) checkInteger('deadLetters', key, value, key === 'limit' ? 1 : 0);
  }
}
