/**
 * The seasonal profile across a restart (SQLite file, ManualClock, seeded noise): a detector that
 * learned three days judges the daily opening by its learned hour right after a restart, where a
 * detector without the stored profile calls it an anomaly; the stored rows stay within their bound
 * and past retention are deleted; a failed write is reported and written by the next save; and the
 * time zone moves the hour-of-day buckets (through a daylight saving change).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { sqliteStorage, type SqliteStorage } from '../../../src/storage/sqlite.js';
import type { Storage } from '../../../src/storage/types.js';
import { memoryLogger } from '../../storage/helpers.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/loader.js';
import { LocalHours, anomalyDetector, anomalyProfileKeeper, profileStore, type SeriesStatus } from '../../../src/analytics/index.js';
import { DAY_MS, HOUR_MS, SERIES, START, STEP_MS, learnStopRestart, noise } from './restart-scenario.js';

describe('the seasonal profile across a restart', () => {
  let dir: string;
  const opened: Storage[] = [];
  const open = async (): Promise<SqliteStorage> => {
    const db = await sqliteStorage({ path: join(dir, 'bulwark.db'), synchronous: 'NORMAL', logger: memoryLogger() });
    opened.push(db);
    return db;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-anomaly-profile-'));
  });
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('judges the opening by its learned hour right after a restart; without the stored profile it is an anomaly', async () => {
    const { restarted, fresh, loaded, freshLoaded, rows } = await learnStopRestart(open, (db) => db.close());
    // Three days of 24 hours were read back (each hour summarised once a day); the other instance reads none of them.
    expect(loaded).toBe(72);
    expect(freshLoaded).toBe(0);
    // 3/s at 14:00 is normal for 14:00 (its seasonal band), though three times the last half hour.
    expect(restarted.filter((s) => s.state === 'anomalous')).toEqual([]);
    expect(restarted.every((s) => s.band === 'seasonal' && s.state === 'normal')).toBe(true);
    expect(restarted[0]!.baseline).toBeCloseTo(3, 0);
    // The same points, judged by the flat recent baseline alone, are an anomaly from the third on.
    expect(fresh.map((s) => s.state).slice(0, 3)).toEqual(['normal', 'normal', 'anomalous']);
    expect(fresh[2]).toMatchObject({ band: 'recent', state: 'anomalous' });
    expect(fresh[2]!.baseline).toBeCloseTo(1, 0);
    // Day 4's hours 13 and 14 joined the 72: 14:00 as the hour being filled.
    expect(rows).toBe(74);
  });

  it('keeps at most 24 x keepDays + 1 rows per series, and deletes the rows of a series no longer watched after retainMs', async () => {
    const db = await open();
    const clock = new ManualClock(START);
    const detector = anomalyDetector({ clock, keepDays: 3, seasonDays: 2 });
    detector.add({ name: 'a', kind: 'order-rate' });
    detector.add({ name: 'b', kind: 'order-rate' });
    const keeper = anomalyProfileKeeper({ detector, storage: db, retainMs: 5 * DAY_MS });
    await keeper.start();
    const store = await profileStore(db);
    // Ten days, a point every ten minutes: the profile needs no more to summarise each hour.
    for (let t = START; t < START + 10 * DAY_MS; t += 10 * 60_000) {
      detector.observe('a', { atMs: t, value: 1 });
      if (t < START + DAY_MS) detector.observe('b', { atMs: t, value: 1 });
      await clock.advance(10 * 60_000);
    }
    await keeper.save();
    // a: the last three days of each hour, and the hour being filled (23:00 on day 10, whose three
    // earlier days are days 7 to 9). b, seen on day 1 only, is past the five days' retention: gone.
    expect(await store.rowCount('local')).toBe(24 * 3 + 1);
    const held = await store.load('local', 0);
    expect([...held.keys()]).toEqual(['a']);
    expect(Math.min(...held.get('a')!.map((h) => h.startedAt))).toBe(START + 6 * DAY_MS + 23 * HOUR_MS);
    await keeper.stop();
    expect(() => anomalyProfileKeeper({ detector, storage: db, retainMs: DAY_MS })).toThrow('profileKeeper: retainMs must be a finite number >= 259200000');
  });

  it('reports a failed write and writes its changes at the next save', async () => {
    const db = await open();
    let failNext = false;
    // The storage refuses one transaction: the save's.
    const flaky: Storage = Object.create(db, {
      transaction: {
        value: (work: Parameters<Storage['transaction']>[0]) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('disk full'));
          }
          return db.transaction(work);
        },
      },
    }) as Storage;
    const clock = new ManualClock(START);
    const detector = anomalyDetector({ clock });
    detector.add({ name: SERIES, kind: 'order-rate' });
    const keeper = anomalyProfileKeeper({ detector, storage: flaky, saveEveryMs: HOUR_MS });
    const failures: Array<{ rows: number; error: unknown }> = [];
    const saved: number[] = [];
    keeper.on('writeFailed', (e) => failures.push(e));
    keeper.on('saved', (e) => saved.push(e.rows));
    await keeper.start();
    const random = seededRandom(3);
    // Three hours of points; the save at the end of the second hour fails.
    for (let t = START; t < START + 3 * HOUR_MS; t += STEP_MS) {
      detector.observe(SERIES, { atMs: t, value: 1 + noise(random, 0.08) });
      if (t === START + 2 * HOUR_MS - STEP_MS) failNext = true;
      await clock.advance(STEP_MS);
    }
    // Saved at 1 h: hour 0 being filled (all of it). At 2 h: hour 1 being filled, refused. At 3 h: hour 1 and hour 2.
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ rows: 1, error: new Error('disk full') });
    expect(saved).toEqual([1, 2]);
    expect(keeper.stats()).toMatchObject({ saves: 2, writeFailures: 1, pendingRows: 0 });
    const held = (await (await profileStore(db)).load('local', 0)).get(SERIES)!;
    expect(held.map((h) => [h.startedAt, h.points])).toEqual([
      [START, 120],
      [START + HOUR_MS, 120],
      [START + 2 * HOUR_MS, 120],
    ]);
    await keeper.stop();
  });

  it('keeps hours restored before their series is added, and hours learned since, in one profile', () => {
    const detector = anomalyDetector({ clock: new ManualClock(START) });
    detector.restoreProfile(SERIES, [{ startedAt: START + 14 * HOUR_MS, baseline: 3, spread: 0.1, points: 120 }]);
    detector.add({ name: SERIES, kind: 'order-rate' });
    expect(detector.profiles()).toEqual([{ series: SERIES, hours: [{ startedAt: START + 14 * HOUR_MS, baseline: 3, spread: 0.1, points: 120 }] }]);
  });
});

describe('the time zone of the hour-of-day buckets', () => {
  it('reads hours on the zone’s clock, half-hour offsets and daylight saving included', () => {
    const london = new LocalHours('Europe/London');
    expect(london.hourOfDay(Date.UTC(2026, 0, 5, 14, 30))).toBe(14); // GMT
    expect(london.hourOfDay(Date.UTC(2026, 6, 6, 13, 30))).toBe(14); // BST: UTC+1
    const kolkata = new LocalHours('Asia/Kolkata'); // UTC+5:30: local hours start at :30 UTC
    expect(kolkata.hourOfDay(Date.UTC(2026, 0, 5, 8, 29))).toBe(13);
    expect(kolkata.hourOfDay(Date.UTC(2026, 0, 5, 8, 30))).toBe(14);
    expect(new LocalHours('UTC').hourOfDay(Date.UTC(2026, 0, 5, 14, 30))).toBe(14);
  });

  it('learns an opening at 08:00 London time across the spring change, which a UTC profile puts in two different hours', async () => {
    // The session opens at 08:00 local: 08:00 UTC before 29 March 2026, 07:00 UTC from then on.
    const londonHour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: 'numeric', hourCycle: 'h23' });
    const localHour = (atMs: number): number => Number(londonHour.format(atMs));
    const from = Date.UTC(2026, 2, 27); // Friday 27 March, GMT
    const opening = Date.UTC(2026, 2, 30, 7); // Monday 30 March, 08:00 BST
    const verdicts = (timeZone: string): SeriesStatus[] => {
      const detector = anomalyDetector({ clock: new ManualClock(from), historyMs: 30 * 60_000, minSamples: 30, timeZone });
      detector.add({ name: SERIES, kind: 'order-rate' });
      const random = seededRandom(8);
      let t = from;
      for (; t < opening; t += STEP_MS) detector.observe(SERIES, { atMs: t, value: (localHour(t) === 8 ? 3 : 1) + noise(random, 0.08) });
      const out: SeriesStatus[] = [];
      for (; t < opening + 5 * 60_000; t += STEP_MS) out.push(detector.observe(SERIES, { atMs: t, value: 3 + noise(random, 0.08) }));
      return out;
    };
    // London's 08:00 was seen on 27, 28 and 29 March: the opening is normal, by its seasonal band.
    const local = verdicts('Europe/London');
    expect(local.every((s) => s.state === 'normal' && s.band === 'seasonal')).toBe(true);
    // On a UTC clock, 07:00 held the opening on one day of three: its band is the flat rate, and the opening an anomaly.
    expect(verdicts('UTC').some((s) => s.state === 'anomalous')).toBe(true);
  });

  it('refuses an unknown zone, naming the option', () => {
    expect(() => anomalyDetector({ timeZone: 'Mars/Olympus_Mons' })).toThrow("anomalyDetector: timeZone must be an IANA time zone such as 'Europe/London' or 'UTC', got \"Mars/Olympus_Mons\"");
    const load = (yaml: string) => loadConfig({ environment: {}, readFile: (path) => (path.replace(/\\/g, '/') === 'config/default.yaml' ? yaml : undefined) });
    expect(load('analytics:\n  anomaly: { enabled: true, timeZone: Europe/London }\n').config.analytics.anomaly).toEqual({ enabled: true, timeZone: 'Europe/London' });
    try {
      load('analytics:\n  anomaly: { enabled: true, timeZone: Mars/Olympus_Mons }\n');
      expect.unreachable('a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([{ path: 'analytics.anomaly.timeZone', source: 'config/default.yaml', reason: expect.stringContaining('IANA time zone') }]);
    }
  });
});
