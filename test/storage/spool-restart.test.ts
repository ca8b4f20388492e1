/**
 * Spooled writes left by a previous process are replayed by the next one on its own, at start-up,
 * without waiting for someone to write or flush: a service that restarts during an outage and
 * then only reads must still deliver what it acknowledged.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { spooledWriter, type SpooledWriter, type WriteKind } from '../../src/storage/spool.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';
import { memoryLogger, tempDir } from './helpers.js';
import { switchable } from './switchable-primary.js';

const event: WriteKind = {
  async apply(tx, data) {
    await tx.run('INSERT INTO events (n) VALUES (?)', [(data as { n: number }).n]);
  },
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A writer that spooled `count` writes during an outage and was closed (the process stopped). */
async function stoppedDuringOutage(count: number) {
  const temp = tempDir('bulwark-spool-restart-');
  cleanups.push(temp.remove);
  const inner: SqliteStorage = await sqliteStorage({ path: join(temp.dir, 'primary.db') });
  cleanups.push(() => inner.close());
  await inner.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL)');
  const primary = switchable(inner);
  const clock = new ManualClock();
  const spoolPath = join(temp.dir, 'spool.db');
  const first = await spooledWriter(primary, { kinds: { event }, spoolPath, clock, logger: memoryLogger() });
  primary.down = true;
  for (let n = 1; n <= count; n++) expect(await first.write('event', `w${n}`, { n })).toBe('spooled');
  await first.close();
  const stored = async (): Promise<number[]> => (await inner.all<{ n: number }>('SELECT n FROM events ORDER BY seq')).map((r) => r.n);
  const restart = async (replayIntervalMs: number): Promise<SpooledWriter> => {
    const next = await spooledWriter(primary, { kinds: { event }, spoolPath, clock, replayIntervalMs, logger: memoryLogger() });
    cleanups.push(() => next.close());
    return next;
  };
  return { primary, clock, stored, restart };
}

describe('spooledWriter after a restart', () => {
  it('replays what the previous process spooled one interval after start, with no write or flush', async () => {
    const { primary, clock, stored, restart } = await stoppedDuringOutage(3);
    primary.down = false;
    const next = await restart(2_000);
    const replayed: unknown[] = [];
    next.on('replayed', (e) => replayed.push(e));
    expect(next.pending).toBe(3);

    await clock.advance(1_999);
    expect(await stored()).toEqual([]);
    await clock.advance(1);

    expect(await stored()).toEqual([1, 2, 3]);
    expect(next.pending).toBe(0);
    expect(replayed).toEqual([{ applied: 3, duplicates: 0, pending: 0 }]);
  });

  it('keeps trying every interval while the primary is still down, and replays once it answers', async () => {
    const { primary, clock, stored, restart } = await stoppedDuringOutage(2);
    const next = await restart(1_000);
    const failures: string[] = [];
    next.on('replayFailed', (e) => failures.push(e.id));

    await clock.advance(1_000);
    await clock.advance(1_000);
    expect(failures).toEqual(['w1', 'w1']);
    expect(next.pending).toBe(2);

    primary.down = false;
    await clock.advance(1_000);
    expect(await stored()).toEqual([1, 2]);
    expect(next.pending).toBe(0);
    // Nothing left to replay: the loop stops trying.
    await clock.advance(5_000);
    expect(failures).toHaveLength(2);
  });

  it('a restart with an empty spool writes straight to the primary', async () => {
    const { primary, stored, restart } = await stoppedDuringOutage(0);
    primary.down = false;
    const next = await restart(1_000);
    expect(next.pending).toBe(0);
    expect(await next.write('event', 'fresh', { n: 9 })).toBe('written');
    expect(await stored()).toEqual([9]);
  });
});
