/**
 * The spooled writer's edges: replay in batches (a refused write blocks the ones behind it),
 * what the spool records, the writer after close, flush with nothing spooled, the loop stopping
 * when the spool is empty, the default spool path, and the errors that name what is wrong.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { StorageClosedError, ValidationError } from '../../src/storage/errors.js';
import { defaultSpoolPath, isConnectionError, spooledWriter, type SpooledWriterOptions, type WriteKind } from '../../src/storage/spool.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { z } from 'zod';
import { memoryLogger, tempDir } from './helpers.js';
import { switchable } from './switchable-primary.js';

/** Inserts `n`; the primary refuses n = 13 (a constraint, not an outage). */
const event: WriteKind<z.ZodObject<{ n: z.ZodNumber }>> = {
  schema: z.object({ n: z.number().int() }),
  async apply(tx, data) {
    await tx.run('INSERT INTO events (n) VALUES (?)', [data.n]);
  },
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<SpooledWriterOptions> = {}) {
  const temp = tempDir('bulwark-spool-edges-');
  cleanups.push(temp.remove);
  const inner = await sqliteStorage({ path: join(temp.dir, 'primary.db') });
  cleanups.push(() => inner.close());
  await inner.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL CHECK (n <> 13))');
  const primary = switchable(inner);
  const clock = new ManualClock();
  const logger = memoryLogger();
  const spoolPath = join(temp.dir, 'spool.db');
  const writer = await spooledWriter(primary, { kinds: { event: event as WriteKind }, spoolPath, clock, logger, replayIntervalMs: 1_000, ...options });
  cleanups.push(() => writer.close());
  const stored = async (): Promise<number[]> => (await inner.all<{ n: number }>('SELECT n FROM events ORDER BY seq')).map((r) => r.n);
  return { temp, primary, clock, logger, spoolPath, writer, stored };
}

describe('spooledWriter replay in batches', () => {
  it('applies replayBatch writes per transaction; pending counts down to 0', async () => {
    const { primary, writer, stored } = await setup({ replayBatch: 2 });
    primary.down = true;
    for (let n = 1; n <= 5; n++) await writer.write('event', `w${n}`, { n });
    primary.down = false;
    const replayed: unknown[] = [];
    writer.on('replayed', (e) => replayed.push(e));
    expect(await writer.flush()).toBe(5);
    expect(await stored()).toEqual([1, 2, 3, 4, 5]);
    expect(writer.pending).toBe(0);
    expect(replayed).toEqual([{ applied: 5, duplicates: 0, pending: 0 }]);
  });

  it('a write the primary refuses stops the replay at its batch, keeps it and the ones behind it, and is logged', async () => {
    const { primary, writer, stored, logger } = await setup({ replayBatch: 2 });
    primary.down = true;
    for (const n of [1, 2, 13, 4, 5]) await writer.write('event', `w${n}`, { n });
    primary.down = false;
    const failed: string[] = [];
    writer.on('replayFailed', (e) => failed.push(e.id));
    await expect(writer.flush()).rejects.toThrow(/CHECK constraint failed/);
    // The first batch committed; the batch holding the refused write rolled back as a whole.
    expect(await stored()).toEqual([1, 2]);
    expect(writer.pending).toBe(3);
    expect(failed).toEqual(['w13']);
    expect(logger.lines).toEqual([{ message: 'spool replay refused by the primary', details: { id: 'w13', error: expect.stringMatching(/CHECK constraint failed/) } }]);
  });

  it('an outage during replay is not logged as a refusal', async () => {
    const { primary, writer, logger } = await setup();
    primary.down = true;
    await writer.write('event', 'w1', { n: 1 });
    await expect(writer.flush()).rejects.toThrow(/ECONNREFUSED/);
    expect(logger.lines).toEqual([]);
  });

  it('the spool records why the first write was spooled; writes queued behind it record nothing', async () => {
    const { primary, writer, spoolPath } = await setup();
    primary.down = true;
    await writer.write('event', 'w1', { n: 1 });
    await writer.write('event', 'w2', { n: 2 });
    const file = new Database(spoolPath, { readonly: true });
    try {
      expect(file.prepare('SELECT write_id, error FROM spooled_writes ORDER BY seq').all()).toEqual([
        { write_id: 'w1', error: 'connect ECONNREFUSED 127.0.0.1:5432' },
        { write_id: 'w2', error: null },
      ]);
    } finally {
      file.close();
    }
  });
});

describe('spooledWriter loop', () => {
  it('flush with nothing spooled resolves 0 without a replay pass', async () => {
    const { writer } = await setup();
    const replayed: unknown[] = [];
    writer.on('replayed', (e) => replayed.push(e));
    expect(await writer.flush()).toBe(0);
    expect(replayed).toEqual([]);
  });

  it('once the spool is empty the loop stops: no timer, no further passes', async () => {
    const { primary, writer, clock } = await setup();
    primary.down = true;
    await writer.write('event', 'w1', { n: 1 });
    expect(clock.pendingTimers).toBe(1);
    primary.down = false;
    const replayed: unknown[] = [];
    writer.on('replayed', (e) => replayed.push(e));
    await clock.advance(1_000);
    expect(replayed).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(10_000);
    expect(replayed).toHaveLength(1);
  });

  it('several writes spooled while the primary is down share one replay timer', async () => {
    const { primary, writer, clock } = await setup();
    primary.down = true;
    for (let n = 1; n <= 3; n++) await writer.write('event', `w${n}`, { n });
    expect(clock.pendingTimers).toBe(1);
  });

  it('close stops the replay loop even with writes spooled', async () => {
    const { primary, writer, clock } = await setup();
    primary.down = true;
    await writer.write('event', 'w1', { n: 1 });
    await writer.close();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(5_000);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('spooledWriter after close', () => {
  it('write and flush are refused with StorageClosedError; close again is a no-op', async () => {
    const { primary, writer, stored } = await setup();
    primary.down = true;
    await writer.write('event', 'w1', { n: 1 });
    primary.down = false;
    await writer.close();
    await expect(writer.write('event', 'w2', { n: 2 })).rejects.toThrow(new StorageClosedError('Spooled writer is closed'));
    await expect(writer.flush()).rejects.toThrow(new StorageClosedError('Spooled writer is closed'));
    await expect(writer.close()).resolves.toBeUndefined();
    expect(await stored()).toEqual([]);
  });
});

describe('spooledWriter spool file', () => {
  it('without spoolPath the spool is spool.db in dataDir', async () => {
    const temp = tempDir('bulwark-spool-dir-');
    cleanups.push(temp.remove);
    const inner = await sqliteStorage({ path: ':memory:' });
    cleanups.push(() => inner.close());
    const writer = await spooledWriter(inner, { kinds: { event: event as WriteKind }, dataDir: temp.dir, clock: new ManualClock(), logger: memoryLogger() });
    cleanups.push(() => writer.close());
    expect(existsSync(join(temp.dir, 'spool.db'))).toBe(true);
  });

  it('defaultSpoolPath is spool.db in the data folder, ./.bulwark by default', () => {
    expect(defaultSpoolPath('/var/lib/app')).toBe(join('/var/lib/app', 'spool.db'));
    expect(defaultSpoolPath()).toBe(join('.bulwark', 'spool.db'));
  });
});

describe('spooledWriter errors name what is wrong', () => {
  it.each<[string, Partial<SpooledWriterOptions>, string]>([
    ['replayIntervalMs', { replayIntervalMs: 0 }, 'spooledWriter: replayIntervalMs must be a finite number >= 1, got 0'],
    ['replayBatch', { replayBatch: 0.5 }, 'spooledWriter: replayBatch must be an integer >= 1, got 0.5'],
    ['kinds empty', { kinds: {} }, 'spooledWriter: kinds must name at least one write kind with an apply(tx, data) handler'],
    ['kinds null', { kinds: null as never }, 'spooledWriter: kinds must name at least one write kind with an apply(tx, data) handler'],
    ['kinds a string', { kinds: 'event' as never }, 'spooledWriter: kinds must name at least one write kind with an apply(tx, data) handler'],
  ])('%s', async (_name, options, message) => {
    const inner = await sqliteStorage({ path: ':memory:' });
    cleanups.push(() => inner.close());
    await expect(spooledWriter(inner, { kinds: { event: event as WriteKind }, spoolPath: ':memory:', logger: memoryLogger(), ...options })).rejects.toThrow(message);
  });

  it('an unknown kind lists the known ones', async () => {
    const { writer } = await setup({ kinds: { event: event as WriteKind, other: event as WriteKind } });
    await expect(writer.write('nope', 'w1', { n: 1 })).rejects.toThrow('spooledWriter: unknown write kind "nope"; known: event, other');
  });

  it('an id that is not a string is refused', async () => {
    const { writer } = await setup();
    await expect(writer.write('event', 7 as never, { n: 1 })).rejects.toThrow(new TypeError('spooledWriter.write: id must be a non-empty string, got 7'));
  });

  it('bad data names the kind and the field', async () => {
    const { writer } = await setup();
    const error = await writer.write('event', 'w1', { n: 'one' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^write "event"/);
  });
});

describe('isConnectionError edge cases', () => {
  it.each<[string, unknown, boolean]>([
    ['null', null, false],
    ['undefined', undefined, false],
    ['a plain object with a socket code', { code: 'ECONNREFUSED' }, true],
    ['an AggregateError holding one connection error among others', new AggregateError([new Error('x'), Object.assign(new Error('y'), { code: 'ECONNREFUSED' })]), true],
    ['an AggregateError of other errors', new AggregateError([new Error('x'), new Error('y')]), false],
  ])('%s', (_name, error, expected) => {
    expect(isConnectionError(error)).toBe(expected);
  });
});
