import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupFreshnessCheck, backups } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { put, START, tempDirs } from './fixtures.js';

const temp = tempDirs();
const HOUR = 3_600_000;

async function setup() {
  const root = temp();
  await put(join(root, 'app.yaml'), 'x');
  const clock = new ManualClock(START);
  const store = backups({ dir: join(root, 'b'), configFiles: [join(root, 'app.yaml')], clock });
  return { root, clock, store };
}

describe('backup freshness', () => {
  it('is down when there is no complete backup', async () => {
    const { store } = await setup();
    expect(await store.latestBackupAge()).toBeUndefined();
    const result = await store.freshnessCheck({ maxAgeMs: HOUR })();
    expect(result).toEqual({ status: 'down', message: 'no complete backup exists', details: { maxAgeMs: HOUR, downAfterMs: 2 * HOUR } });
  });

  it('goes up, degraded, then down as the latest backup ages', async () => {
    const { clock, store } = await setup();
    const { id } = await store.create();
    const check = store.freshnessCheck({ maxAgeMs: HOUR });
    expect(await store.latestBackupAge()).toBe(0);
    expect((await check()).status).toBe('up');

    await clock.advance(HOUR);
    expect((await check()).status).toBe('up'); // at the limit is still fresh
    await clock.advance(1);
    const degraded = await check();
    expect(degraded.status).toBe('degraded');
    expect(degraded.message).toContain(id);
    expect(degraded.details).toEqual({ latestId: id, ageMs: HOUR + 1, maxAgeMs: HOUR, downAfterMs: 2 * HOUR });

    await clock.advance(HOUR);
    expect((await check()).status).toBe('down');

    await store.create();
    expect((await check()).status).toBe('up');
  });

  it('ignores failed backups when judging freshness', async () => {
    const { root, clock, store } = await setup();
    await store.create();
    await clock.advance(2 * HOUR);
    const broken = backups({ dir: join(root, 'b'), configFiles: [join(root, 'gone.yaml')], clock });
    await broken.create().catch(() => undefined);
    expect(await store.latestBackupAge()).toBe(2 * HOUR);
    expect((await backupFreshnessCheck({ backups: store, maxAgeMs: HOUR, downAfterMs: 3 * HOUR })()).status).toBe('degraded');
  });

  it('rejects bad thresholds with the option named', () => {
    const source = { latest: async () => undefined };
    expect(() => backupFreshnessCheck({ backups: source, maxAgeMs: 0 })).toThrow('backupFreshnessCheck: maxAgeMs must be a finite number > 0, got 0');
    expect(() => backupFreshnessCheck({ backups: source, maxAgeMs: 10, downAfterMs: 5 })).toThrow(
      'backupFreshnessCheck: downAfterMs must be >= maxAgeMs (10), got 5',
    );
    expect(() => backupFreshnessCheck({ maxAgeMs: 10 } as never)).toThrow('backupFreshnessCheck: backups must be a backups() instance');
  });
});
