import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { deadLetters } from '../../src/dlq/dead-letters.js';
import { DeadLetterQueueFullError } from '../../src/dlq/errors.js';
import { backoff } from '../../src/policies/backoff.js';
import { retry } from '../../src/policies/retry.js';
import { ConflictError, StorageClosedError, ValidationError } from '../../src/storage/errors.js';
import { storageMigrations } from '../../src/storage/migrations/schema.js';
import { postgresStorage, type PostgresStorage, type PostgresStorageOptions } from '../../src/storage/postgres.js';
import { orderIntents } from '../../src/storage/repos/order-intents.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger, steppingClock } from '../storage/helpers.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);

describeWith(available, 'postgresStorage against a real PostgreSQL', () => {
  const schema = uniqueSchema('bw_storage');
  const opened: PostgresStorage[] = [];
  let db: PostgresStorage;

  const open = async (options: PostgresStorageOptions = {}): Promise<PostgresStorage> => {
    const storage = await postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger(), ...options });
    opened.push(storage);
    return storage;
  };

  beforeAll(async () => {
    db = await open();
  });
  afterEach(async () => {
    await db.exec('DELETE FROM order_intents; DELETE FROM dead_letters');
  });
  afterAll(async () => {
    for (const storage of opened) await storage.close();
    await dropSchema(schema);
  });

  it('creates its schema and the storage tables in it', async () => {
    const tables = await db.all<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name`,
      [schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual(['dead_letter_counts', 'dead_letters', 'operator_settings', 'order_intents', 'schema_migrations', 'storage_applied_writes']);
  });

  it('migrations are idempotent: a second run applies nothing', async () => {
    const result = await db.migrate(storageMigrations);
    expect(result).toEqual({ applied: [], skipped: storageMigrations.map((m) => m.id) });
  });

  it('several processes migrating a fresh schema at once apply each migration exactly once (advisory lock)', async () => {
    const fresh = uniqueSchema('bw_race');
    try {
      const storages = await Promise.all(
        Array.from({ length: 4 }, () => postgresStorage({ connectionString: postgresUrl, schema: fresh, min: 0, logger: memoryLogger() })),
      );
      const rows = await storages[0]!.all<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(storageMigrations.map((m) => m.id).sort());
      await Promise.all(storages.map((s) => s.close()));
    } finally {
      await dropSchema(fresh);
    }
  });

  it('a unit of work commits as a whole', async () => {
    const repo = orderIntents(db);
    await db.transaction(async (tx) => {
      const r = orderIntents(tx);
      await r.put({ intentId: 'a', clientOrderId: 'ca', exchange: 'x', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 });
      await r.put({ intentId: 'b', clientOrderId: 'cb', exchange: 'x', symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 1 });
    });
    expect((await repo.listByState('PENDING')).map((i) => i.intentId)).toEqual(['a', 'b']);
  });

  it('rolls back every write of a unit of work that fails, and rethrows its error', async () => {
    const repo = orderIntents(db);
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await orderIntents(tx).put({ intentId: 'a', clientOrderId: 'ca', exchange: 'x', symbol: 'S', side: 'buy', type: 'market', amount: 1 });
        await tx.run(`INSERT INTO dead_letters (id, queue, operation, payload, error, attempts, first_failed_at, last_failed_at, created_at) VALUES ('d', 'q', 'op', '1', 'e', 1, 1, 1, 1)`);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await repo.get('a')).toBeUndefined();
    expect(await db.one('SELECT COUNT(*) AS n FROM dead_letters')).toEqual({ n: 0 });
    // The connection went back to the pool healthy: the next unit of work commits.
    await db.transaction((tx) => tx.run(`INSERT INTO storage_applied_writes (write_id, applied_at) VALUES (?, 1)`, [`${schema}-ok`]));
    expect(await db.one('SELECT write_id FROM storage_applied_writes WHERE write_id = ?', [`${schema}-ok`])).toBeDefined();
  });

  it('rolls back when a statement fails (unique client order id) and reports a conflict', async () => {
    const repo = orderIntents(db);
    await repo.put({ intentId: 'a', clientOrderId: 'same', exchange: 'x', symbol: 'S', side: 'buy', type: 'market', amount: 1 });
    await expect(
      db.transaction(async (tx) => {
        await tx.run(`UPDATE order_intents SET state = 'SENT' WHERE intent_id = 'a'`);
        await orderIntents(tx).put({ intentId: 'b', clientOrderId: 'same', exchange: 'x', symbol: 'S', side: 'buy', type: 'market', amount: 1 });
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.get('a'))?.state).toBe('PENDING');
  });

  it('validation errors name the field and nothing is written', async () => {
    const repo = orderIntents(db);
    const error = await repo
      .put({ intentId: 'a', clientOrderId: 'ca', exchange: 'x', symbol: 'S', side: 'buy', type: 'limit', amount: 1, price: -5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('price');
    expect((error as Error).message).toMatch(/^order intent: field "price" /);
    expect(await repo.get('a')).toBeUndefined();
  });

  it('lists the newest order intents and counts them by state (COUNT as a number)', async () => {
    const clock = new ManualClock(1_000);
    const repo = orderIntents(db, { clock });
    for (const id of ['r1', 'r2', 'r3']) {
      await repo.put({ intentId: id, clientOrderId: `c-${id}`, exchange: 'x', symbol: 'S', side: 'buy', type: 'market', amount: 1 });
      await clock.advance(1);
    }
    await repo.updateState('r2', 'SENT');
    expect((await repo.listRecent(2)).map((i) => i.intentId)).toEqual(['r3', 'r2']);
    expect(await repo.countByState({ exchange: 'x' })).toEqual({ PENDING: 2, SENT: 1 });
    expect(await repo.countByState({ exchange: 'x', intentPrefix: 'r2' })).toEqual({ SENT: 1 });
    await repo.put({ intentId: 'rxa', clientOrderId: 'c-rxa', exchange: 'x', symbol: 'S', side: 'buy', type: 'market', amount: 1 });
    expect(await repo.countByState({ intentPrefix: 'r_' })).toEqual({});
  });

  it('round-trips BIGINT times and JSON params as numbers and objects', async () => {
    const clock = new ManualClock(1_795_000_000_123);
    const stored = await orderIntents(db, { clock }).put({
      intentId: 'a',
      clientOrderId: 'ca',
      exchange: 'x',
      symbol: 'S',
      side: 'buy',
      type: 'limit',
      amount: 0.001,
      price: 61_234.5,
      params: { postOnly: true, tags: ['a'] },
    });
    expect(stored).toMatchObject({ createdAt: 1_795_000_000_123, amount: 0.001, price: 61_234.5, params: { postOnly: true, tags: ['a'] } });
  });

  it('the dead-letter queue adds, filters, replays with retry and enforces its maximum size', async () => {
    const clock = new ManualClock(5_000);
    const queue = deadLetters(db, { name: 'pg', maxSize: 3, clock, policy: retry({ maxAttempts: 2, backoff: backoff.constant(50), clock }) });
    const a = await queue.add({ operation: 'createOrder', payload: { n: 1 }, error: new Error('x'), correlationId: 'c1' });
    await queue.add({ operation: 'cancelOrder', payload: { n: 2 }, error: 'y' });
    await queue.add({ operation: 'createOrder', payload: { n: 3 }, error: 'z' });
    await expect(queue.add({ operation: 'op', payload: 4, error: 'e' })).rejects.toBeInstanceOf(DeadLetterQueueFullError);
    expect((await queue.list({ operation: 'createOrder' })).map((l) => l.payload)).toEqual([{ n: 1 }, { n: 3 }]);
    expect((await queue.list({ correlationId: 'c1' })).map((l) => l.id)).toEqual([a.id]);
    let calls = 0;
    const running = queue.replay(a.id, () => {
      if (++calls === 1) throw new Error('blip');
    });
    // The replay does real I/O first: advance once its backoff timer is set.
    while (clock.pendingTimers === 0) await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(50);
    expect((await running).replayed).toEqual([a.id]);
    expect(await queue.inspect(a.id)).toMatchObject({ status: 'replayed', replayAttempts: 1 });
    expect(await queue.purge({ operation: 'cancelOrder' })).toBe(1);
    expect(await queue.count()).toBe(2);
  });

  it('concurrent adds never overfill the queue', async () => {
    const queue = deadLetters(db, { name: 'race', maxSize: 10 });
    const outcomes = await Promise.allSettled(Array.from({ length: 25 }, (_, n) => queue.add({ operation: 'op', payload: n, error: 'e' })));
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(10);
    expect(await queue.count()).toBe(10);
  });

  it('reports pool statistics and counts', async () => {
    const storage = await open({ min: 0, max: 3, migrate: false });
    const before = storage.stats().queries;
    await Promise.all([storage.one('SELECT 1'), storage.one('SELECT 2'), storage.one('SELECT 3')]);
    const stats = storage.stats();
    expect(stats.dialect).toBe('postgres');
    expect(stats.queries - before).toBe(3);
    expect(stats.pool.total).toBeGreaterThanOrEqual(1);
    expect(stats.pool.total).toBeLessThanOrEqual(3);
    expect(stats.pool.idle).toBe(stats.pool.total);
    expect(stats.pool.waiting).toBe(0);
  });

  it('logs statements slower than the threshold through the injected logger', async () => {
    const logger = memoryLogger();
    const storage = await open({ migrate: false, slowQueryMs: 100, logger, clock: steppingClock(150) });
    const before = storage.stats().slowQueries;
    logger.lines.length = 0;
    await storage.one('SELECT 7 AS n');
    expect(storage.stats().slowQueries - before).toBe(1);
    expect(logger.lines).toEqual([{ message: 'slow query', details: { ms: 150, sql: 'SELECT 7 AS n' } }]);
  });

  it('the server cancels a statement that outlives statementTimeoutMs', async () => {
    const storage = await open({ migrate: false, statementTimeoutMs: 50 });
    const before = storage.stats().errors;
    await expect(storage.one('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
    expect(storage.stats().errors - before).toBe(1);
    await expect(storage.one('SELECT 1 AS ok')).resolves.toEqual({ ok: 1 });
  });

  it('replaces a connection the server dropped while idle (pre-ping) instead of failing the next call', async () => {
    const storage = await open({ migrate: false, min: 1, max: 1, prePingIdleMs: 0 });
    const before = await storage.one<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await db.one('SELECT pg_terminate_backend(?)', [before!.pid]);
    const after = await storage.one<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(after!.pid).not.toBe(before!.pid);
  });

  it('regression: a connection that dies while checked out fails its unit of work instead of crashing the process', async () => {
    const logger = memoryLogger();
    const storage = await open({ migrate: false, min: 0, max: 1, logger });
    const outcome = await storage
      .transaction(async (tx) => {
        const row = await tx.one<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await adminQuery('SELECT pg_terminate_backend($1)', [row!.pid]);
        await tx.one('SELECT 1');
      })
      .then(
        () => 'committed',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    expect(outcome).toMatch(/terminat|connection/i);
    // Without a listener on the checked-out client its 'error' event is an uncaught exception.
    expect(logger.lines.some((l) => l.message === 'connection lost')).toBe(true);
    await expect(storage.one('SELECT 1 AS ok')).resolves.toEqual({ ok: 1 });
  });

  it('ping resolves while the server answers; statements after close are refused', async () => {
    const storage = await open({ migrate: false });
    await expect(storage.ping()).resolves.toBeUndefined();
    await storage.close();
    await expect(storage.ping()).rejects.toBeInstanceOf(StorageClosedError);
  });

  it.each([
    [{ schema: 'bad-name;' }, /schema must be a plain identifier/],
    [{ min: 5, max: 2 }, /min \(5\) must not exceed max \(2\)/],
    [{ max: 0 }, /max must be an integer >= 1, got 0/],
    [{ statementTimeoutMs: -1 }, /statementTimeoutMs must be an integer >= 0, got -1/],
  ])('names the bad option %o', async (options, message) => {
    await expect(postgresStorage({ connectionString: postgresUrl, ...options })).rejects.toThrow(message);
  });
});
