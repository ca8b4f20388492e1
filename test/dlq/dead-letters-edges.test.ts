/**
 * Dead letters: the default replay policy, batches larger than one statement, paging by offset
 * alone, replays of a list of ids, progress with failures, the caller's abort signal inside a
 * replay, and the errors that name what is wrong.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { deadLetters, type DeadLetterQueue, type ReplayHandler } from '../../src/dlq/dead-letters.js';
import { backoff } from '../../src/policies/backoff.js';
import { retry } from '../../src/policies/retry.js';
import { ValidationError } from '../../src/storage/errors.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';

/** Ids d1, d2, ... in order. */
const counter = (): (() => string) => {
  let n = 0;
  return () => `d${++n}`;
};

let db: SqliteStorage;
let clock: ManualClock;
beforeEach(async () => {
  db = await sqliteStorage({ path: ':memory:' });
  clock = new ManualClock(10_000);
});
afterEach(() => db.close());

describe('deadLetters default replay policy', () => {
  it('3 tries on the queue clock, the first wait 200 ms (random 0: no jitter added), then the letter stays pending', async () => {
    const queue = deadLetters(db, { name: 'q', clock, newId: counter(), random: () => 0 });
    await queue.add({ operation: 'op', payload: 1, error: 'e' });
    const tries: number[] = [];
    const running = queue.replay('d1', () => {
      tries.push(clock.now());
      throw new Error('still down');
    });
    await clock.advance(199);
    expect(tries).toEqual([10_000]);
    await clock.advance(1);
    expect(tries).toEqual([10_000, 10_200]);
    await clock.advance(200);
    expect(tries).toEqual([10_000, 10_200, 10_400]);
    const result = await running;
    expect(result.failed).toEqual([{ id: 'd1', error: 'Error: still down' }]);
    await clock.advance(60_000);
    expect(tries).toHaveLength(3);
    expect(await queue.inspect('d1')).toMatchObject({ status: 'pending', replayAttempts: 1 });
  });

  it('jitter draws each wait between 200 ms and three times the one before', async () => {
    const queue = deadLetters(db, { name: 'q', clock, newId: counter(), random: () => 0.5 });
    await queue.add({ operation: 'op', payload: 1, error: 'e' });
    const tries: number[] = [];
    const running = queue.replay('d1', (_letter, ctx) => {
      tries.push(clock.now());
      if (ctx.attempt < 3) throw new Error('still down');
    });
    // 200 + 0.5 * (600 - 200) = 400, then 200 + 0.5 * (1200 - 200) = 700.
    await clock.advance(400);
    await clock.advance(700);
    expect(await running).toEqual({ total: 1, replayed: ['d1'], failed: [] });
    expect(tries).toEqual([10_000, 10_400, 11_100]);
  });
});

describe('deadLetters storage and listing', () => {
  let queue: DeadLetterQueue;
  beforeEach(() => {
    queue = deadLetters(db, { name: 'q', clock, newId: counter() });
  });

  it('addMany stores a batch larger than one INSERT statement (500 rows), each letter once', async () => {
    const letters = Array.from({ length: 1_000 }, (_, i) => ({ operation: 'op', payload: i, error: 'e' }));
    const stored = await queue.addMany(letters);
    expect(stored).toHaveLength(1_000);
    expect(await queue.count()).toBe(1_000);
    const listed = await queue.list();
    expect(listed.map((l) => l.payload)).toEqual(letters.map((l) => l.payload));
  });

  it('addMany of nothing stores nothing and returns no letters', async () => {
    expect(await queue.addMany([])).toEqual([]);
    expect(await queue.count()).toBe(0);
  });

  it('a letter without a payload is stored with payload null', async () => {
    await queue.add({ operation: 'op', payload: undefined, error: 'e' });
    expect((await queue.inspect('d1'))?.payload).toBeNull();
  });

  it('an offset without a limit skips that many letters', async () => {
    for (let n = 1; n <= 4; n++) await queue.add({ operation: 'op', payload: n, error: 'e' });
    expect((await queue.list({ offset: 2 })).map((l) => l.id)).toEqual(['d3', 'd4']);
  });
});

describe('deadLetters replay', () => {
  let queue: DeadLetterQueue;
  beforeEach(async () => {
    const policy = retry({ maxAttempts: 2, backoff: backoff.constant(100), clock });
    queue = deadLetters(db, { name: 'q', clock, newId: counter(), policy });
    for (let n = 1; n <= 3; n++) await queue.add({ operation: 'op', payload: n, error: 'e' });
  });

  it('a list of ids replays only those letters', async () => {
    const seen: unknown[] = [];
    const result = await queue.replay(['d3', 'd1'], (letter) => void seen.push(letter.payload));
    expect(result).toEqual({ total: 2, replayed: ['d1', 'd3'], failed: [] });
    expect(seen).toEqual([1, 3]);
    expect((await queue.inspect('d2'))?.status).toBe('pending');
  });

  it('progress counts failed letters as done', async () => {
    const progress: unknown[] = [];
    const running = queue.replay(
      {},
      (letter) => {
        if (letter.payload === 2) throw new Error('refused');
      },
      { onProgress: (p) => progress.push(p) },
    );
    await clock.advance(100);
    await running;
    expect(progress).toEqual([
      { done: 1, total: 3, replayed: 1, failed: 0 },
      { done: 2, total: 3, replayed: 1, failed: 1 },
      { done: 3, total: 3, replayed: 2, failed: 1 },
    ]);
  });

  it("the caller's abort reaches the letter being replayed: its signal aborts and no further try is made", async () => {
    const controller = new AbortController();
    const tries: AbortSignal[] = [];
    let firstTry!: () => void;
    const tried = new Promise<void>((resolve) => (firstTry = resolve));
    const running = queue.replay(
      'd2',
      (_letter, ctx) => {
        tries.push(ctx.signal);
        firstTry();
        throw new Error('down');
      },
      { signal: controller.signal },
    );
    await tried;
    expect(tries[0]?.aborted).toBe(false);
    // Aborted while the policy waits before its second try.
    controller.abort();
    await clock.advance(100);
    const result = await running;
    expect(tries).toHaveLength(1);
    expect(tries[0]?.aborted).toBe(true);
    expect(result.replayed).toEqual([]);
    expect((await queue.inspect('d2'))?.status).toBe('pending');
  });

  it('refuses a handler that is not a function, naming it', async () => {
    await expect(queue.replay('d1', 'nope' as unknown as ReplayHandler)).rejects.toThrow(new TypeError('deadLetters.replay: handler must be a function, got string'));
  });
});

describe('deadLetters errors name what is wrong', () => {
  it.each([
    ['blank name', { name: '   ' }, 'deadLetters: name must be a non-empty string, got "   "'],
    ['name not a string', { name: 5 }, 'deadLetters: name must be a non-empty string, got 5'],
    ['no options', undefined, 'deadLetters: name must be a non-empty string, got undefined'],
  ])('%s', (_what, options, message) => {
    expect(() => deadLetters(db, options as never)).toThrow(new TypeError(message));
  });

  it('maxSize names the queue factory', () => {
    expect(() => deadLetters(db, { name: 'q', maxSize: 1.5 })).toThrow('deadLetters: maxSize must be an integer >= 1, got 1.5');
  });

  it('a bad letter names what it is', async () => {
    const error = await deadLetters(db, { name: 'q', clock }).add({ operation: '', payload: 1, error: 'e' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^dead letter/);
  });
});
