import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ValidationError } from '../../src/storage/errors.js';
import { isConnectionError, spooledWriter, type SpooledWriter, type WriteKind } from '../../src/storage/spool.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { memoryLogger, tempDir } from './helpers.js';
import { switchable } from './switchable-primary.js';

const events: WriteKind<z.ZodObject<{ n: z.ZodNumber }>> = {
  schema: z.object({ n: z.number().int() }),
  async apply(tx, data) {
    await tx.run('INSERT INTO events (n) VALUES (?)', [data.n]);
  },
};

interface Setup {
  primary: ReturnType<typeof switchable>;
  writer: SpooledWriter;
  clock: ManualClock;
  spoolPath: string;
  inner: SqliteStorage;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<Setup> {
  const temp = tempDir('bulwark-spool-');
  cleanups.push(temp.remove);
  const inner = await sqliteStorage({ path: join(temp.dir, 'primary.db') });
  cleanups.push(() => inner.close());
  await inner.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)');
  const primary = switchable(inner);
  const clock = new ManualClock();
  const spoolPath = join(temp.dir, 'spool.db');
  const writer = await spooledWriter(primary, { kinds: { event: events as WriteKind }, spoolPath, clock, replayIntervalMs: 1_000, logger: memoryLogger() });
  cleanups.push(() => writer.close());
  return { primary, writer, clock, spoolPath, inner };
}

const stored = async (db: Storage): Promise<number[]> => (await db.all<{ n: number }>('SELECT n FROM events ORDER BY seq')).map((r) => r.n);

describe('spooledWriter', () => {
  it('writes straight to the primary while it answers', async () => {
    const { writer, inner } = await setup();
    expect(await writer.write('event', 'w1', { n: 1 })).toBe('written');
    expect(await stored(inner)).toEqual([1]);
    expect(writer.pending).toBe(0);
  });

  it('a write id already applied is not applied again', async () => {
    const { writer, inner } = await setup();
    await writer.write('event', 'w1', { n: 1 });
    expect(await writer.write('event', 'w1', { n: 1 })).toBe('duplicate');
    expect(await stored(inner)).toEqual([1]);
  });

  it('spools writes while the primary is unreachable and replays them in order, once, when it returns', async () => {
    const { writer, primary, inner, clock } = await setup();
    const spooledIds: string[] = [];
    writer.on('spooled', (e) => spooledIds.push(e.id));
    await writer.write('event', 'w1', { n: 1 });
    primary.down = true;
    for (let n = 2; n <= 6; n++) expect(await writer.write('event', `w${n}`, { n })).toBe('spooled');
    expect(writer.pending).toBe(5);
    expect(spooledIds).toEqual(['w2']); // later writes queue behind it without trying the primary
    await clock.advance(1_000); // replay tries, primary still down
    expect(writer.pending).toBe(5);
    primary.down = false;
    // Writes made while writes are spooled go to the spool too, so order is kept.
    expect(await writer.write('event', 'w7', { n: 7 })).toBe('spooled');
    await clock.advance(1_000);
    expect(writer.pending).toBe(0);
    expect(await stored(inner)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await writer.write('event', 'w8', { n: 8 })).toBe('written');
  });

  it('an ambiguous commit (applied, acknowledgement lost) is spooled and skipped on replay: applied exactly once', async () => {
    const { writer, primary, inner } = await setup();
    primary.loseAcks = true;
    expect(await writer.write('event', 'w1', { n: 1 })).toBe('spooled');
    primary.loseAcks = false;
    const replayed: Array<{ applied: number; duplicates: number }> = [];
    writer.on('replayed', (e) => replayed.push(e));
    await writer.flush();
    expect(await stored(inner)).toEqual([1]);
    expect(replayed).toEqual([{ applied: 0, duplicates: 1, pending: 0 }]);
  });

  it('spooled writes survive a restart of the writer and are replayed by the next one', async () => {
    const { writer, primary, inner, spoolPath, clock } = await setup();
    primary.down = true;
    await writer.write('event', 'w1', { n: 1 });
    await writer.write('event', 'w2', { n: 2 });
    await writer.close();
    primary.down = false;
    const next = await spooledWriter(primary, { kinds: { event: events as WriteKind }, spoolPath, clock, logger: memoryLogger() });
    cleanups.push(() => next.close());
    expect(next.pending).toBe(2);
    expect(await next.flush()).toBe(2);
    expect(await stored(inner)).toEqual([1, 2]);
  });

  it('flush rejects while the primary is still unreachable and keeps the writes', async () => {
    const { writer, primary } = await setup();
    primary.down = true;
    await writer.write('event', 'w1', { n: 1 });
    await expect(writer.flush()).rejects.toThrow(/ECONNREFUSED/);
    expect(writer.pending).toBe(1);
  });

  it('an error that is not about reachability is thrown, not spooled', async () => {
    const { writer, inner } = await setup();
    await inner.exec('DROP TABLE events');
    await expect(writer.write('event', 'w1', { n: 1 })).rejects.toThrow(/no such table/);
    expect(writer.pending).toBe(0);
  });

  it('validates data before writing or spooling; the error names the field', async () => {
    const { writer, primary } = await setup();
    primary.down = true;
    const error = await writer.write('event', 'w1', { n: 'one' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('n');
    expect(writer.pending).toBe(0);
  });

  it('refuses an unknown kind and an empty id', async () => {
    const { writer } = await setup();
    await expect(writer.write('nope', 'w1', {})).rejects.toThrow(/unknown write kind "nope"/);
    await expect(writer.write('event', '', { n: 1 })).rejects.toThrow(/id must be a non-empty string/);
  });
});

describe('spooledWriter property', () => {
  type Step = 'write' | 'down' | 'up' | 'loseAck' | 'tick';

  it('whatever the outages, every acknowledged write is applied exactly once, in the order acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom<Step>('write', 'write', 'write', 'down', 'up', 'loseAck', 'tick'), { maxLength: 40 }), async (steps) => {
        const inner = await sqliteStorage({ path: ':memory:' });
        await inner.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)');
        const primary = switchable(inner);
        const clock = new ManualClock();
        const writer = await spooledWriter(primary, { kinds: { event: events as WriteKind }, spoolPath: ':memory:', clock, logger: memoryLogger() });
        try {
          const acknowledged: number[] = [];
          let n = 0;
          for (const step of steps) {
            if (step === 'down') primary.down = true;
            else if (step === 'up') primary.down = false;
            else if (step === 'tick') await clock.advance(1_000);
            else {
              primary.loseAcks = step === 'loseAck';
              n++;
              await writer.write('event', `w${n}`, { n });
              primary.loseAcks = false;
              acknowledged.push(n);
            }
          }
          primary.down = false;
          await writer.flush();
          expect(writer.pending).toBe(0);
          expect(await stored(inner)).toEqual(acknowledged);
        } finally {
          await writer.close();
          await inner.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('isConnectionError', () => {
  it.each([
    [Object.assign(new Error('x'), { code: 'ECONNRESET' }), true],
    [Object.assign(new Error('x'), { code: '08006' }), true],
    [Object.assign(new Error('x'), { code: '57P01' }), true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [Object.assign(new Error('duplicate key'), { code: '23505' }), false],
    [new TypeError('x is not a function'), false],
    ['ECONNRESET', false],
  ])('%o -> %s', (error, expected) => {
    expect(isConnectionError(error)).toBe(expected);
  });
});
