import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { withCorrelationId } from '../../src/core/correlation.js';
import { deadLetters, type DeadLetterQueue } from '../../src/dlq/dead-letters.js';
import { DeadLetterQueueFullError } from '../../src/dlq/errors.js';
import { backoff } from '../../src/policies/backoff.js';
import { retry } from '../../src/policies/retry.js';
import { ValidationError } from '../../src/storage/errors.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';

/** Ids d1, d2, ... in order. */
const counter = (): (() => string) => {
  let n = 0;
  return () => `d${++n}`;
};

describe('deadLetters', () => {
  let db: SqliteStorage;
  let clock: ManualClock;
  let queue: DeadLetterQueue;
  /** A policy with a fixed 100 ms wait, so tests advance time exactly. */
  let policy: ReturnType<typeof retry>;

  beforeEach(async () => {
    db = await sqliteStorage({ path: ':memory:' });
    clock = new ManualClock(10_000);
    policy = retry({ maxAttempts: 3, backoff: backoff.constant(100), clock });
    queue = deadLetters(db, { name: 'orders', maxSize: 5, clock, newId: counter(), policy });
  });
  afterEach(() => db.close());

  describe('add / inspect', () => {
    it('stores operation, payload, error, attempts, failure times and correlation id', async () => {
      const letter = await queue.add({
        operation: 'createOrder',
        payload: { symbol: 'BTC/USDT', amount: 1 },
        error: new RangeError('price out of band'),
        attempts: 4,
        firstFailedAt: 9_000,
        lastFailedAt: 9_500,
        correlationId: 'req-7',
      });
      expect(letter).toEqual({
        id: 'd1',
        queue: 'orders',
        operation: 'createOrder',
        payload: { symbol: 'BTC/USDT', amount: 1 },
        error: 'RangeError: price out of band',
        attempts: 4,
        firstFailedAt: 9_000,
        lastFailedAt: 9_500,
        correlationId: 'req-7',
        status: 'pending',
        replayAttempts: 0,
        replayedAt: null,
        createdAt: 10_000,
        idempotencyKey: 'dlq:orders:d1',
      });
      expect(await queue.inspect('d1')).toEqual(letter);
      expect(await queue.inspect('missing')).toBeUndefined();
    });

    it('takes the correlation id of the async context the failure happened in, unless one is given', async () => {
      const inContext = await withCorrelationId('req-42', () => queue.add({ operation: 'op', payload: 1, error: 'e' }));
      expect(inContext.correlationId).toBe('req-42');
      const given = await withCorrelationId('req-42', () => queue.add({ operation: 'op', payload: 1, error: 'e', correlationId: 'explicit' }));
      expect(given.correlationId).toBe('explicit');
    });

    it('defaults: one attempt, both failure times now, no correlation id; a non-Error error is kept as text', async () => {
      const letter = await queue.add({ operation: 'op', payload: null, error: { status: 503 } });
      expect(letter).toMatchObject({ attempts: 1, firstFailedAt: 10_000, lastFailedAt: 10_000, correlationId: null, error: '{"status":503}' });
    });

    it.each([
      [{ operation: '' }, 'operation'],
      [{ attempts: 0 }, 'attempts'],
      [{ attempts: 1.5 }, 'attempts'],
      [{ correlationId: '' }, 'correlationId'],
      [{ lastFailedAt: -1 }, 'lastFailedAt'],
    ])('a validation failure names the field (%o) and stores nothing', async (bad, field) => {
      const error = await queue.add({ operation: 'op', payload: 1, error: 'x', ...bad }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
      expect(await queue.count()).toBe(0);
    });

    it('a payload that cannot be stored as JSON is refused naming the payload', async () => {
      await expect(queue.add({ operation: 'op', payload: { n: 1n }, error: 'x' })).rejects.toThrow(/field "payload" must be JSON-serialisable/);
    });
  });

  describe('list', () => {
    beforeEach(async () => {
      await queue.add({ operation: 'createOrder', payload: 1, error: 'e', correlationId: 'a', lastFailedAt: 1_000 });
      await queue.add({ operation: 'cancelOrder', payload: 2, error: 'e', correlationId: 'b', lastFailedAt: 2_000 });
      await queue.add({ operation: 'createOrder', payload: 3, error: 'e', correlationId: 'b', lastFailedAt: 3_000 });
      await deadLetters(db, { name: 'other', clock }).add({ operation: 'createOrder', payload: 4, error: 'e' });
    });

    const ids = (letters: Array<{ id: string }>): string[] => letters.map((l) => l.id);

    it('lists the queue oldest first and only this queue', async () => {
      expect(ids(await queue.list())).toEqual(['d1', 'd2', 'd3']);
      expect(await queue.count()).toBe(3);
    });

    it('filters by operation, correlation id, failure time, status and ids', async () => {
      expect(ids(await queue.list({ operation: 'createOrder' }))).toEqual(['d1', 'd3']);
      expect(ids(await queue.list({ correlationId: 'b' }))).toEqual(['d2', 'd3']);
      expect(ids(await queue.list({ since: 2_000 }))).toEqual(['d2', 'd3']);
      expect(ids(await queue.list({ until: 2_000 }))).toEqual(['d1']);
      expect(ids(await queue.list({ ids: ['d3', 'd1'] }))).toEqual(['d1', 'd3']);
      expect(ids(await queue.list({ ids: [] }))).toEqual([]);
      expect(ids(await queue.list({ status: 'replayed' }))).toEqual([]);
      expect(await queue.count({ operation: 'createOrder', correlationId: 'b' })).toBe(1);
    });

    it('pages with limit and offset', async () => {
      expect(ids(await queue.list({ limit: 2 }))).toEqual(['d1', 'd2']);
      expect(ids(await queue.list({ limit: 2, offset: 2 }))).toEqual(['d3']);
      await expect(queue.list({ limit: 0 })).rejects.toThrow(/limit must be an integer >= 1, got 0/);
    });
  });

  describe('replay', () => {
    it('replays one letter through the handler with its idempotency key and marks it replayed', async () => {
      await queue.add({ operation: 'op', payload: { x: 1 }, error: 'e' });
      const seen: Array<{ payload: unknown; key: string; attempt: number }> = [];
      await clock.advance(500);
      const result = await queue.replay('d1', (letter, ctx) => {
        seen.push({ payload: letter.payload, key: ctx.idempotencyKey, attempt: ctx.attempt });
      });
      expect(result).toEqual({ total: 1, replayed: ['d1'], failed: [] });
      expect(seen).toEqual([{ payload: { x: 1 }, key: 'dlq:orders:d1', attempt: 1 }]);
      expect(await queue.inspect('d1')).toMatchObject({ status: 'replayed', replayedAt: 10_500, replayAttempts: 1 });
    });

    it('retries a failing replay with backoff under the policy and succeeds within maxAttempts', async () => {
      await queue.add({ operation: 'op', payload: 1, error: 'e' });
      const attempts: Array<{ attempt: number; at: number }> = [];
      const running = queue.replay('d1', (_letter, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: clock.now() });
        if (ctx.attempt < 3) throw new Error(`still down (${ctx.attempt})`);
      });
      await clock.advance(100);
      await clock.advance(100);
      expect(await running).toEqual({ total: 1, replayed: ['d1'], failed: [] });
      expect(attempts).toEqual([
        { attempt: 1, at: 10_000 },
        { attempt: 2, at: 10_100 },
        { attempt: 3, at: 10_200 },
      ]);
    });

    it('a replay that exhausts the policy leaves the letter pending with the new error', async () => {
      await queue.add({ operation: 'op', payload: 1, error: 'first' });
      const running = queue.replay(['d1'], () => {
        throw new Error('down again');
      });
      await clock.advance(100);
      await clock.advance(100);
      const result = await running;
      expect(result.failed).toEqual([{ id: 'd1', error: 'Error: down again' }]);
      expect(await queue.inspect('d1')).toMatchObject({ status: 'pending', error: 'Error: down again', replayAttempts: 1, lastFailedAt: 10_200 });
    });

    it('replays many by filter in order, skips letters already replayed, and reports progress', async () => {
      for (let n = 1; n <= 4; n++) await queue.add({ operation: n % 2 ? 'a' : 'b', payload: n, error: 'e' });
      await queue.replay('d2', () => undefined);
      const order: unknown[] = [];
      const progress: Array<{ done: number; total: number }> = [];
      const result = await queue.replay({}, (letter) => void order.push(letter.payload), {
        onProgress: ({ done, total }) => progress.push({ done, total }),
      });
      expect(order).toEqual([1, 3, 4]);
      expect(result.replayed).toEqual(['d1', 'd3', 'd4']);
      expect(progress).toEqual([
        { done: 1, total: 3 },
        { done: 2, total: 3 },
        { done: 3, total: 3 },
      ]);
      expect(await queue.count({ status: 'pending' })).toBe(0);
    });

    it('is at least once with a stable key: after a crash between handler and bookkeeping, an idempotent handler applies the letter once', async () => {
      await queue.add({ operation: 'credit', payload: { amount: 10 }, error: 'e' });
      // The downstream system remembers keys it has applied.
      const appliedKeys = new Set<string>();
      let balance = 0;
      const handler = (letter: { payload: unknown }, ctx: { idempotencyKey: string }): void => {
        if (appliedKeys.has(ctx.idempotencyKey)) return;
        appliedKeys.add(ctx.idempotencyKey);
        balance += (letter.payload as { amount: number }).amount;
      };
      // The first replay "crashes" after the handler succeeded: the bookkeeping transaction fails.
      let failNextMark = true;
      const flaky: Storage = Object.create(db) as Storage;
      flaky.transaction = (work) => {
        if (failNextMark) {
          failNextMark = false;
          return Promise.reject(new Error('disk I/O error'));
        }
        return db.transaction(work);
      };
      const crashing = deadLetters(flaky, { name: 'orders', clock, policy });
      const first = await crashing.replay('d1', handler);
      expect(first.replayed).toEqual([]);
      expect((await queue.inspect('d1'))?.status).toBe('pending');
      // Replayed again (at least once), with the same key: the handler does not apply it twice.
      const second = await queue.replay('d1', handler);
      expect(second.replayed).toEqual(['d1']);
      expect(balance).toBe(10);
      expect([...appliedKeys]).toEqual(['dlq:orders:d1']);
    });

    it('stops between letters when the signal aborts', async () => {
      for (let n = 1; n <= 3; n++) await queue.add({ operation: 'op', payload: n, error: 'e' });
      const controller = new AbortController();
      const result = await queue.replay({}, () => controller.abort(), { signal: controller.signal });
      expect(result.replayed.length + result.failed.length).toBe(1);
      expect(await queue.count({ status: 'pending' })).toBe(2);
    });
  });

  describe('purge', () => {
    it('purges matching letters and returns how many, or the whole queue with no filter', async () => {
      await queue.add({ operation: 'a', payload: 1, error: 'e' });
      await queue.add({ operation: 'b', payload: 2, error: 'e' });
      await queue.add({ operation: 'b', payload: 3, error: 'e' });
      const other = deadLetters(db, { name: 'other', clock });
      await other.add({ operation: 'b', payload: 4, error: 'e' });
      expect(await queue.purge({ operation: 'b' })).toBe(2);
      expect((await queue.list()).map((l) => l.id)).toEqual(['d1']);
      expect(await queue.purge()).toBe(1);
      expect(await queue.count()).toBe(0);
      expect(await other.count()).toBe(1);
    });
  });

  describe('maximum size', () => {
    it('rejects an add when maxSize letters are pending, with a clear error', async () => {
      for (let n = 0; n < 5; n++) await queue.add({ operation: 'op', payload: n, error: 'e' });
      const error = await queue.add({ operation: 'op', payload: 6, error: 'e' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeadLetterQueueFullError);
      expect((error as DeadLetterQueueFullError).code).toBe('DLQ_FULL');
      expect((error as Error).message).toBe('Dead-letter queue "orders" is full (5 of maxSize 5 pending); replay or purge letters before adding more');
      expect(await queue.count()).toBe(5);
    });

    it('replayed and purged letters free room', async () => {
      for (let n = 0; n < 5; n++) await queue.add({ operation: 'op', payload: n, error: 'e' });
      await queue.replay('d1', () => undefined);
      await queue.add({ operation: 'op', payload: 'after replay', error: 'e' });
      await queue.purge({ ids: ['d2'] });
      await expect(queue.add({ operation: 'op', payload: 'after purge', error: 'e' })).resolves.toMatchObject({ payload: 'after purge' });
    });

    it('purging replayed letters frees no room: only pending letters count', async () => {
      for (let n = 0; n < 5; n++) await queue.add({ operation: 'op', payload: n, error: 'e' });
      await queue.replay('d1', () => undefined);
      expect(await queue.purge({ status: 'replayed' })).toBe(1);
      await queue.add({ operation: 'op', payload: 'fifth pending', error: 'e' });
      await expect(queue.add({ operation: 'op', payload: 'sixth', error: 'e' })).rejects.toBeInstanceOf(DeadLetterQueueFullError);
    });

    it('addMany over the limit stores none of the batch', async () => {
      await queue.add({ operation: 'op', payload: 0, error: 'e' });
      const batch = Array.from({ length: 5 }, (_, n) => ({ operation: 'op', payload: n, error: 'e' }));
      await expect(queue.addMany(batch)).rejects.toBeInstanceOf(DeadLetterQueueFullError);
      expect(await queue.count()).toBe(1);
      expect((await queue.addMany(batch.slice(0, 4))).length).toBe(4);
    });
  });

  it.each([
    [{ name: '' }, /name must be a non-empty string/],
    [{ name: 'q', maxSize: 0 }, /maxSize must be an integer >= 1, got 0/],
  ])('names the bad option %o', (options, message) => {
    expect(() => deadLetters(db, options)).toThrow(message);
  });
});
