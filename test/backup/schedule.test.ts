/**
 * backupSchedule(): a backup every `everyMs` with the retention rule applied after each; the first
 * one due `everyMs` after the newest already there (at once when there is none); a failed backup is
 * reported and the next is still due; stop() waits for the one in progress; bad options are named.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BackupSchedule, backups, backupSchedule, type BackupScheduleEvents, SCHEDULED_TAG } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { put, seeded, START, tempDirs } from './fixtures.js';

const temp = tempDirs();
const HOUR = 3_600_000;

async function setup() {
  const dir = temp();
  const config = join(dir, 'bulwark.yaml');
  await put(config, 'env: test\n');
  const clock = new ManualClock(START);
  const store = backups({ dir: join(dir, 'backups'), configFiles: [config], clock, random: seeded(3) });
  return { dir, config, clock, store };
}

/** Resolves with the next event `name` of the schedule. */
function next<K extends keyof BackupScheduleEvents & string>(schedule: BackupSchedule, name: K): Promise<BackupScheduleEvents[K]> {
  return new Promise((resolve) => {
    const off = schedule.on(name, (e) => {
      off();
      resolve(e);
    });
  });
}

describe('backupSchedule', () => {
  it('takes the first backup at once when the folder has none, then one every everyMs, tagged scheduled', async () => {
    const s = await setup();
    const schedule = backupSchedule(s.store, { everyMs: HOUR, type: 'config', clock: s.clock });
    const first = next(schedule, 'created');
    await schedule.start();
    await s.clock.advance(0);
    expect((await first).manifest.tags).toEqual([SCHEDULED_TAG]);
    expect(await s.store.list()).toHaveLength(1);

    await s.clock.advance(HOUR - 1);
    expect(await s.store.list()).toHaveLength(1);
    const second = next(schedule, 'created');
    await s.clock.advance(1);
    await second;
    expect(await s.store.list()).toHaveLength(2);
    await schedule.stop();
  });

  it('after a restart the next backup is due everyMs after the newest one, not at once', async () => {
    const s = await setup();
    await s.store.create({ type: 'config' });
    await s.clock.advance(HOUR / 4);
    const schedule = backupSchedule(s.store, { everyMs: HOUR, type: 'config', clock: s.clock });
    await schedule.start();
    await s.clock.advance(HOUR / 2);
    expect(await s.store.list()).toHaveLength(1);
    const created = next(schedule, 'created');
    await s.clock.advance(HOUR / 4);
    await created;
    expect(await s.store.list()).toHaveLength(2);
    await schedule.stop();
  });

  it('applies the retention rule after each backup', async () => {
    const s = await setup();
    const schedule = backupSchedule(s.store, { everyMs: HOUR, type: 'config', keep: { keepLast: 2 }, clock: s.clock });
    await schedule.start();
    let last: BackupScheduleEvents['created'] | undefined;
    for (let i = 0; i < 4; i++) {
      const created = next(schedule, 'created');
      await s.clock.advance(i === 0 ? 0 : HOUR);
      last = await created;
    }
    expect(last!.pruned?.removed).toHaveLength(1);
    const kept = await s.store.list();
    expect(kept.map((m) => m.id)).toEqual([last!.manifest.id, kept[1]!.id]);
    expect(kept).toHaveLength(2);
    await schedule.stop();
  });

  it('a failed backup is reported and the next one is still due everyMs later', async () => {
    const s = await setup();
    // Nothing to back up for a state backup: create() refuses every time.
    const schedule = backupSchedule(s.store, { everyMs: HOUR, type: 'state', clock: s.clock });
    const failed = next(schedule, 'failed');
    await schedule.start();
    await s.clock.advance(0);
    expect(String((await failed).error)).toMatch(/nothing to back up/i);
    const again = next(schedule, 'failed');
    await s.clock.advance(HOUR);
    await again;
    await schedule.stop();
  });

  it('stop() ends the schedule: no backup after it', async () => {
    const s = await setup();
    const schedule = backupSchedule(s.store, { everyMs: HOUR, type: 'config', clock: s.clock });
    const first = next(schedule, 'created');
    await schedule.start();
    await s.clock.advance(0);
    await first;
    await schedule.stop();
    expect(schedule.active).toBe(false);
    await s.clock.advance(3 * HOUR);
    expect(await s.store.list()).toHaveLength(1);
  });

  it('refuses a period that is not a positive integer and a retention rule with nothing to keep by, naming them', async () => {
    const s = await setup();
    expect(() => backupSchedule(s.store, { everyMs: 0 })).toThrow('backupSchedule: everyMs must be an integer >= 1, got 0');
    expect(() => backupSchedule(s.store, { everyMs: 1.5 })).toThrow(/everyMs/);
    expect(() => backupSchedule(s.store, { everyMs: HOUR, keep: {} })).toThrow(/keepLast/);
  });
});
