import { z } from 'zod';
import { type Clock, systemClock } from '../core/clock.js';
import type { ExecContext } from '../core/context.js';
import { RetryExhaustedError } from '../core/errors.js';
import { checkFunction, checkInteger, checkNonEmptyString } from '../core/option-checks.js';
import type { Policy } from '../core/policy.js';
import { backoff } from '../policies/backoff.js';
import { retry } from '../policies/retry.js';
import type { Queryable, SqlValue, Storage } from '../storage/types.js';
import { validate } from '../storage/validate.js';
import { DeadLetterQueueFullError } from './errors.js';
import { type LetterRow, checkPage, columns, describeError, fromRow, where } from './letter-rows.js';
import { timeOrderedId } from './time-ordered-id.js';
import { currentCorrelationId } from '../core/correlation.js';
import { maskRegisteredSecrets } from '../core/secrets.js';

export { describeError } from './letter-rows.js';
export { timeOrderedId } from './time-ordered-id.js';

/**
 * A dead-letter queue: operations that failed for good are kept with their payload and error,
 * listed, inspected, replayed through a handler under a retry policy, and purged.
 * Rows live in the `dead_letters` table (storage migration `storage-003-dead-letters`); many
 * named queues share it.
 */

export type DeadLetterStatus = 'pending' | 'replayed';

export interface DeadLetter {
  id: string;
  queue: string;
  operation: string;
  payload: unknown;
  /** The last error, as text. */
  error: string;
  /** Tries made before the operation was dead-lettered. */
  attempts: number;
  firstFailedAt: number;
  lastFailedAt: number;
  correlationId: string | null;
  status: DeadLetterStatus;
  /** Replays tried so far (each may include several policy attempts). */
  replayAttempts: number;
  replayedAt: number | null;
  createdAt: number;
  /** Stable across every replay of this letter: a handler that records it applies the letter at most once. */
  idempotencyKey: string;
}

const addSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  operation: z.string().min(1).max(200),
  payload: z.unknown(),
  error: z.unknown(),
  attempts: z.number().int().min(1).optional(),
  firstFailedAt: z.number().int().nonnegative().optional(),
  lastFailedAt: z.number().int().nonnegative().optional(),
  correlationId: z.string().min(1).max(200).nullable().optional(),
});

export type AddDeadLetter = z.input<typeof addSchema>;

export interface DeadLetterFilter {
  ids?: readonly string[];
  operation?: string;
  status?: DeadLetterStatus;
  correlationId?: string;
  /** lastFailedAt >= since (ms since epoch). */
  since?: number;
  /** lastFailedAt < until. */
  until?: number;
  /** Oldest first; most rows returned by `list`. */
  limit?: number;
  offset?: number;
}

export interface ReplayContext {
  /** Pass to the downstream system (or check in your own table) so a second replay is a no-op. */
  idempotencyKey: string;
  /** Policy attempt, 1 for the first. */
  attempt: number;
  signal: AbortSignal;
}

export type ReplayHandler = (letter: DeadLetter, ctx: ReplayContext) => unknown;

export interface ReplayProgress {
  done: number;
  total: number;
  replayed: number;
  failed: number;
}

export interface ReplayOptions {
  /** The policy each letter's replay runs under; defaults to the queue's `policy`. */
  policy?: Policy;
  /** Stop after the current letter when it aborts. */
  signal?: AbortSignal;
  /** Called after each letter. */
  onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayResult {
  total: number;
  replayed: string[];
  failed: Array<{ id: string; error: string }>;
}

export interface DeadLetterQueue {
  readonly name: string;
  readonly maxSize: number;
  /** Stores a failed operation. DeadLetterQueueFullError when `maxSize` letters are pending. */
  add(letter: AddDeadLetter): Promise<DeadLetter>;
  /** Stores many in one transaction (all or none). */
  addMany(letters: readonly AddDeadLetter[]): Promise<DeadLetter[]>;
  list(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  count(filter?: DeadLetterFilter): Promise<number>;
  inspect(id: string): Promise<DeadLetter | undefined>;
  /**
   * Replays pending letters (one id, several ids, or a filter) through `handler` under the retry
   * policy. At least once: a letter is marked replayed only after the handler succeeded, so a
   * crash in between replays it again, with the same idempotency key.
   */
  replay(target: string | readonly string[] | DeadLetterFilter, handler: ReplayHandler, options?: ReplayOptions): Promise<ReplayResult>;
  /** Deletes matching letters (every letter of the queue when no filter); resolves with how many. */
  purge(filter?: DeadLetterFilter): Promise<number>;
}

export interface DeadLettersOptions {
  /** The queue's name; several queues share one table. */
  name: string;
  /** Most pending letters; a full queue rejects `add` rather than grow without bound. */
  maxSize?: number;
  /** Default replay policy; `defaultReplayPolicy(clock)` when omitted. */
  policy?: Policy;
  clock?: Clock;
  /** Makes letter ids; inject a deterministic one in tests. */
  newId?: () => string;
  /** Jitter source of the default replay policy (values in [0, 1)); seed it in tests. */
  random?: () => number;
}

export const DEAD_LETTERS_DEFAULTS = {
  maxSize: 10_000, // room for a long outage's failures, small enough to list and replay by hand
  clock: systemClock, // wall time for failure and replay stamps
  newId: () => timeOrderedId(Date.now()), // unique without coordination, and appended (not scattered) in the id index
  random: Math.random, // jitter spreads the replays of many processes apart
} satisfies Required<Omit<DeadLettersOptions, 'name' | 'policy'>>;

/**
 * The default replay policy (`policy` option): 3 tries per letter with exponential backoff from
 * 200 ms, capped at 10 s, on the queue's clock: rides out a blip without hammering a system that
 * is still down.
 */
export function defaultReplayPolicy(clock: Clock, random: () => number = DEAD_LETTERS_DEFAULTS.random): Policy {
  return retry({ maxAttempts: 3, backoff: backoff.exponential({ initialMs: 200, maxMs: 10_000, random }), clock });
}

/** A named dead-letter queue on `store`. */
export function deadLetters(store: Storage, options: DeadLettersOptions): DeadLetterQueue {
  checkNonEmptyString('deadLetters', 'name', options?.name, true);
  const name = options.name;
  const maxSize = options.maxSize ?? DEAD_LETTERS_DEFAULTS.maxSize;
  checkInteger('deadLetters', 'maxSize', maxSize, 1);
  const clock = options.clock ?? DEAD_LETTERS_DEFAULTS.clock;
  const newId = options.newId ?? DEAD_LETTERS_DEFAULTS.newId;
  const queuePolicy = options.policy ?? defaultReplayPolicy(clock, options.random ?? DEAD_LETTERS_DEFAULTS.random);

  const toValues = (input: AddDeadLetter, now: number): SqlValue[] => {
    const letter = validate('dead letter', addSchema, input);
    let payload: string | undefined;
    try {
      // A registered secret value never lands in a stored payload (replays get the rest of it unchanged).
      payload = maskRegisteredSecrets(JSON.stringify(letter.payload === undefined ? null : letter.payload));
    } catch (error) {
      throw new TypeError(`dead letter: field "payload" must be JSON-serialisable (${describeError(error)})`);
    }
    const last = letter.lastFailedAt ?? now;
    return [
      letter.id ?? newId(),
      name,
      letter.operation,
      payload,
      describeError(letter.error),
      letter.attempts ?? 1,
      letter.firstFailedAt ?? last,
      last,
      // The caller's id, else the one of the async context the failure happened in.
      letter.correlationId ?? currentCorrelationId() ?? null,
      now,
    ];
  };

  const pendingCount = async (db: Queryable): Promise<number> =>
    Number((await db.one<{ n: number }>('SELECT pending AS n FROM dead_letter_counts WHERE queue = ?', [name]))?.n ?? 0);

  /** Moves the queue's pending count by `delta`, in the caller's transaction. */
  const countPending = (db: Queryable, delta: number): Promise<unknown> =>
    db.run(
      'INSERT INTO dead_letter_counts (queue, pending) VALUES (?, ?) ON CONFLICT (queue) DO UPDATE SET pending = dead_letter_counts.pending + excluded.pending',
      [name, delta],
    );

  /** Stores the letters in one transaction and returns them as stored (no re-read). */
  const insert = async (inputs: readonly AddDeadLetter[]): Promise<DeadLetter[]> => {
    const now = clock.now();
    const rows = inputs.map((input) => toValues(input, now));
    await store.transaction(async (tx) => {
      // Serialise adds to this queue so the size check and the insert are one step (SQLite's
      // IMMEDIATE transaction already holds the write lock).
      if (tx.dialect === 'postgres') await tx.all(`SELECT pg_advisory_xact_lock(hashtext('bulwark.dlq:' || ?))`, [name]);
      const size = await pendingCount(tx);
      if (size + rows.length > maxSize) throw new DeadLetterQueueFullError(name, maxSize, size);
      // 10 columns x 500 rows stays under SQLite's parameter limit.
      for (let start = 0; start < rows.length; start += 500) {
        const chunk = rows.slice(start, start + 500);
        await tx.run(
          `INSERT INTO dead_letters (id, queue, operation, payload, error, attempts, first_failed_at, last_failed_at, correlation_id, created_at) VALUES ${chunk
            .map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
            .join(', ')}`,
          chunk.flat(),
        );
      }
      await countPending(tx, rows.length);
    });
    return rows.map(([id, queue, operation, payload, error, attempts, firstFailedAt, lastFailedAt, correlationId, createdAt]) =>
      fromRow({
        id: id as string,
        queue: queue as string,
        operation: operation as string,
        payload: payload as string,
        error: error as string,
        attempts: attempts as number,
        first_failed_at: firstFailedAt as number,
        last_failed_at: lastFailedAt as number,
        correlation_id: correlationId as string | null,
        status: 'pending',
        replay_attempts: 0,
        replayed_at: null,
        created_at: createdAt as number,
      }),
    );
  };

  const inspect = async (id: string): Promise<DeadLetter | undefined> => {
    const row = await store.one<LetterRow>(`SELECT ${columns} FROM dead_letters WHERE queue = ? AND id = ?`, [name, id]);
    return row && fromRow(row);
  };

  const list = async (filter: DeadLetterFilter = {}): Promise<DeadLetter[]> => {
    checkPage(filter);
    const w = where(name, filter);
    let sql = `SELECT ${columns} FROM dead_letters WHERE ${w.sql} ORDER BY seq`;
    if (filter.limit !== undefined || filter.offset !== undefined) {
      sql += ' LIMIT ? OFFSET ?';
      w.values.push(filter.limit ?? Number.MAX_SAFE_INTEGER, filter.offset ?? 0);
    }
    return (await store.all<LetterRow>(sql, w.values)).map(fromRow);
  };

  return {
    name,
    maxSize,

    async add(input) {
      const [stored] = await insert([input]);
      return stored as DeadLetter;
    },

    addMany: (inputs) => (inputs.length === 0 ? Promise.resolve([]) : insert(inputs)),

    list,

    async count(filter = {}) {
      const w = where(name, filter);
      return Number((await store.one<{ n: number }>(`SELECT COUNT(*) AS n FROM dead_letters WHERE ${w.sql}`, w.values))?.n ?? 0);
    },

    inspect,

    async replay(target, handler, replayOptions = {}) {
      checkFunction('deadLetters.replay', 'handler', handler);
      const filter: DeadLetterFilter = typeof target === 'string' ? { ids: [target] } : Array.isArray(target) ? { ids: target as readonly string[] } : (target as DeadLetterFilter);
      const letters = await list({ ...filter, status: 'pending' });
      const policy = replayOptions.policy ?? queuePolicy;
      const result: ReplayResult = { total: letters.length, replayed: [], failed: [] };
      for (const letter of letters) {
        if (replayOptions.signal?.aborted) break;
        try {
          await policy.execute(
            (ctx: ExecContext) => handler(letter, { idempotencyKey: letter.idempotencyKey, attempt: ctx.attempt, signal: ctx.signal }),
            { signal: replayOptions.signal },
          );
          await store.transaction(async (tx) => {
            const marked = await tx.run(
              `UPDATE dead_letters SET status = 'replayed', replayed_at = ?, replay_attempts = replay_attempts + 1 WHERE queue = ? AND id = ? AND status = 'pending'`,
              [clock.now(), name, letter.id],
            );
            if (marked.changes > 0) await countPending(tx, -marked.changes);
          });
          result.replayed.push(letter.id);
        } catch (error) {
          // A replay policy that gave up wraps the last error: the letter keeps that error itself.
          const text = describeError(RetryExhaustedError.is(error) ? error.cause : error);
          await store.run(
            'UPDATE dead_letters SET error = ?, last_failed_at = ?, replay_attempts = replay_attempts + 1 WHERE queue = ? AND id = ?',
            [text, clock.now(), name, letter.id],
          );
          result.failed.push({ id: letter.id, error: text });
        }
        replayOptions.onProgress?.({
          done: result.replayed.length + result.failed.length,
          total: result.total,
          replayed: result.replayed.length,
          failed: result.failed.length,
        });
      }
      return result;
    },

    async purge(filter = {}) {
      const w = where(name, filter);
      return store.transaction(async (tx) => {
        const pending = await tx.one<{ n: number }>(`SELECT COUNT(*) AS n FROM dead_letters WHERE ${w.sql} AND status = 'pending'`, w.values);
        const removed = await tx.run(`DELETE FROM dead_letters WHERE ${w.sql}`, w.values);
        const n = Number(pending?.n ?? 0);
        if (n > 0) await countPending(tx, -n);
        return removed.changes;
      });
    },
  };
}
