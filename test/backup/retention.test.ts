import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRetention, type BackupManifest, backups } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { put, seeded, START, tempDirs } from './fixtures.js';

const temp = tempDirs();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function manifest(id: string, createdAtMs: number, status: BackupManifest['status'] = 'complete'): BackupManifest {
  return {
    format: 1,
    id,
    type: 'full',
    status,
    tags: [],
    description: '',
    createdAt: new Date(createdAtMs).toISOString(),
    fileCount: 0,
    bytes: 0,
    files: [],
    providers: [],
  };
}

const ids = (list: BackupManifest[]) => list.map((m) => m.id);

describe('applyRetention', () => {
  // Five daily backups: d0 is the newest (age 0), d4 is four days old.
  const daily = [0, 1, 2, 3, 4].map((d) => manifest(`d${d}`, START - d * DAY));

  it('keeps the newest N', () => {
    const decision = applyRetention(daily, { keepLast: 2 }, START);
    expect(ids(decision.keep)).toEqual(['d0', 'd1']);
    expect(ids(decision.remove)).toEqual(['d2', 'd3', 'd4']);
  });

  it('keeps those younger than the age limit', () => {
    const decision = applyRetention(daily, { maxAgeMs: 2.5 * DAY }, START);
    expect(ids(decision.keep)).toEqual(['d0', 'd1', 'd2']);
  });

  it('keeps a backup that either rule keeps', () => {
    expect(ids(applyRetention(daily, { keepLast: 4, maxAgeMs: DAY / 2 }, START).keep)).toEqual(['d0', 'd1', 'd2', 'd3']);
    expect(ids(applyRetention(daily, { keepLast: 1, maxAgeMs: 1.5 * DAY }, START).keep)).toEqual(['d0', 'd1']);
  });

  it('always keeps the newest complete backup, even when it is older than the age limit', () => {
    expect(ids(applyRetention(daily, { maxAgeMs: HOUR }, START + 10 * DAY).keep)).toEqual(['d0']);
  });

  it('removes failed backups, and in-progress ones once they are stale', () => {
    const list = [manifest('failed', START, 'failed'), manifest('running', START - HOUR, 'in-progress'), manifest('crashed', START - 2 * DAY, 'in-progress'), ...daily];
    const decision = applyRetention(list, { keepLast: 5 }, START);
    expect(ids(decision.remove)).toEqual(['failed', 'crashed']);
    expect(ids(decision.keep)).toContain('running');
    // Failed and in-progress backups do not take a place among the newest N.
    expect(ids(decision.keep).filter((id) => id.startsWith('d'))).toHaveLength(5);
  });

  it('rejects a rule that says nothing or says something impossible', () => {
    expect(() => applyRetention(daily, {}, START)).toThrow('give keepLast');
    expect(() => applyRetention(daily, { keepLast: 0 }, START)).toThrow('keepLast must be an integer >= 1, got 0');
    expect(() => applyRetention(daily, { maxAgeMs: -1 }, START)).toThrow('maxAgeMs must be a finite number > 0');
  });

  it('property: keeps exactly the complete backups among the newest N or younger than the limit, plus the newest', () => {
    const arb = fc.record({
      ages: fc.uniqueArray(fc.integer({ min: 0, max: 100 * DAY }), { minLength: 1, maxLength: 30 }),
      keepLast: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
      maxAgeMs: fc.option(fc.integer({ min: 1, max: 50 * DAY }), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, ({ ages, keepLast, maxAgeMs }) => {
        fc.pre(keepLast !== undefined || maxAgeMs !== undefined);
        const list = ages.map((age, i) => manifest(`b${i}`, START - age));
        const { keep, remove } = applyRetention(list, { keepLast, maxAgeMs }, START);
        expect(keep.length + remove.length).toBe(list.length);
        const byAge = [...ages].sort((a, b) => a - b);
        for (const m of keep) {
          const age = START - Date.parse(m.createdAt);
          const rank = byAge.indexOf(age);
          expect(rank === 0 || (keepLast !== undefined && rank < keepLast) || (maxAgeMs !== undefined && age < maxAgeMs)).toBe(true);
        }
        for (const m of remove) {
          const age = START - Date.parse(m.createdAt);
          const rank = byAge.indexOf(age);
          expect(rank).toBeGreaterThan(0);
          expect(keepLast !== undefined && rank < keepLast).toBe(false);
          expect(maxAgeMs !== undefined && age < maxAgeMs).toBe(false);
        }
      }),
    );
  });
});

describe('backups.prune', () => {
  async function fourDays() {
    const root = temp();
    await put(join(root, 'app.yaml'), 'x');
    const clock = new ManualClock(START);
    const store = backups({ dir: join(root, 'b'), configFiles: [join(root, 'app.yaml')], clock, random: seeded(7) });
    const made: string[] = [];
    for (let d = 0; d < 4; d++) {
      made.push((await store.create({ type: 'config' })).id);
      await clock.advance(DAY);
    }
    return { store, made: made.reverse(), clock }; // newest first
  }

  it('removes by count and deletes the folders', async () => {
    const { store, made } = await fourDays();
    const result = await store.prune({ keepLast: 2 });
    expect(result).toEqual({ dryRun: false, removed: made.slice(2), kept: made.slice(0, 2) });
    expect((await store.list()).map((m) => m.id)).toEqual(made.slice(0, 2));
    await expect(store.get(made[3]!)).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND' });
  });

  it('removes by age in days', async () => {
    // Now is one day after the newest: ages are 1, 2, 3 and 4 days.
    const { store, made } = await fourDays();
    const result = await store.prune({ maxAgeDays: 2.5 });
    expect(result.kept).toEqual(made.slice(0, 2));
    expect((await store.list()).map((m) => m.id)).toEqual(made.slice(0, 2));
  });

  it('dry run removes nothing', async () => {
    const { store, made } = await fourDays();
    const result = await store.prune({ keepLast: 1, dryRun: true });
    expect(result.removed).toEqual(made.slice(1));
    expect((await store.list()).map((m) => m.id)).toEqual(made);
  });

  it('rejects conflicting or bad age options', async () => {
    const { store } = await fourDays();
    await expect(store.prune({ maxAgeDays: 1, maxAgeMs: 5 })).rejects.toThrow('maxAgeDays or maxAgeMs, not both');
    await expect(store.prune({ maxAgeDays: 0 })).rejects.toThrow('maxAgeDays must be a finite number > 0, got 0');
  });
});
