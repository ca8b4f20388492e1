/**
 * Keeps the detector's seasonal profiles in the storage, so a restart judges each hour of the day
 * by what it learned before instead of relearning for `seasonDays` days. `start()` reads this
 * instance's rows back into the detector (series added later get theirs when added) and starts
 * the save duty; every `saveEveryMs`, and at `stop()`, what changed since the last write is
 * written in one transaction: the hours summarised since, the hour being filled, the hours the
 * profile forgot, and this instance's rows older than `retainMs` (a series no longer watched).
 *
 * Nothing is dropped silently: a failed write is emitted as `writeFailed` and counted, and its
 * changes stay pending: the next save writes the difference between the profile and what the
 * storage is known to hold, so it carries every change not yet written. The pending changes are
 * bounded by the profiles themselves (24 x `keepDays` + 1 hours per series).
 */
import { type CancelTimer, type Clock, setTimerOn } from '../../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import { checkNonEmptyString, checkNumber, checkObject } from '../../core/option-checks.js';
import type { Storage } from '../../storage/types.js';
import type { AnomalyDetector } from './detector.js';
import { type ProfileChange, type ProfileStore, profileStore } from './profile-store.js';
import type { ProfileHour } from './seasonal-profile.js';

const DAY_MS = 86_400_000;

export interface ProfileKeeperOptions {
  detector: AnomalyDetector;
  storage: Storage;
  /** This process's name: it writes and reads back only its own rows. */
  instance?: string;
  /** How often the changes are written. */
  saveEveryMs?: number;
  /** Rows whose hour started longer ago are deleted and not read back (4 x the detector's `keepDays` unless set). */
  retainMs?: number;
  /** The detector's clock unless set. */
  clock?: Clock;
}

export const PROFILE_KEEPER_DEFAULTS = {
  instance: 'local', // one process, as the recorder's default; a fleet gives each its own name
  saveEveryMs: 5 * 60_000, // a crash loses at most five minutes of the hour being filled; one row per series a save
  retainDays: 4, // x keepDays: a pause of weeks keeps the profile; a series gone is forgotten within a month (4 x 7 days)
};

export interface ProfileKeeperEvents {
  /** Changes were written: hours written and deleted (forgotten or past retention). */
  saved: { rows: number; deleted: number; at: number };
  /** A write failed; its changes stay pending and are written by the next save. */
  writeFailed: { rows: number; error: unknown; at: number };
}

export interface ProfileKeeperStats {
  /** Hours read back at start. */
  loaded: number;
  saves: number;
  writeFailures: number;
  /** Rows waiting to be written or deleted (as of the last save). */
  pendingRows: number;
}

type Written = Map<number, ProfileHour>;

export class AnomalyProfileKeeper implements EventSource<ProfileKeeperEvents> {
  private readonly events = new Emitter<ProfileKeeperEvents>();
  private readonly detector: AnomalyDetector;
  private readonly storage: Storage;
  private readonly clock: Clock;
  readonly instance: string;
  readonly saveEveryMs: number;
  readonly retainMs: number;
  private store: ProfileStore | undefined;
  /** Per series: the hours the storage is known to hold, by `startedAt`. */
  private readonly written = new Map<string, Written>();
  private timer: CancelTimer | undefined;
  private saving: Promise<void> | undefined;
  private saveAfter: Promise<void> | undefined;
  private counters = { loaded: 0, saves: 0, writeFailures: 0, pendingRows: 0 };

  constructor(options: ProfileKeeperOptions) {
    checkObject('profileKeeper', 'options', options);
    this.detector = options.detector;
    this.storage = options.storage;
    this.clock = options.clock ?? options.detector.clock;
    this.instance = options.instance ?? PROFILE_KEEPER_DEFAULTS.instance;
    this.saveEveryMs = options.saveEveryMs ?? PROFILE_KEEPER_DEFAULTS.saveEveryMs;
    const keepMs = this.detector.options.keepDays * DAY_MS;
    this.retainMs = options.retainMs ?? PROFILE_KEEPER_DEFAULTS.retainDays * keepMs;
    checkNonEmptyString('profileKeeper', 'instance', this.instance);
    checkNumber('profileKeeper', 'saveEveryMs', this.saveEveryMs, 0, Infinity, true);
    // Shorter than keepDays would delete days the profile still uses.
    checkNumber('profileKeeper', 'retainMs', this.retainMs, keepMs);
  }

  on<K extends keyof ProfileKeeperEvents & string>(name: K, listener: Listener<ProfileKeeperEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Applies the migration, reads this instance's profiles back into the detector, and starts the save duty. Rejects when the storage cannot be read. */
  async start(): Promise<void> {
    if (this.timer) return;
    if (!this.store) {
      const store = await profileStore(this.storage);
      const loaded = await store.load(this.instance, this.clock.now() - this.retainMs);
      for (const [series, hours] of loaded) {
        this.detector.restoreProfile(series, hours);
        this.written.set(series, new Map(hours.map((h) => [h.startedAt, h])));
        this.counters.loaded += hours.length;
      }
      this.store = store;
    }
    const loop = (): void => {
      this.timer = setTimerOn(this.clock, this.saveEveryMs, () => {
        void this.save().finally(() => this.timer && loop());
      });
    };
    loop();
  }

  /** Stops the duty and writes what changed (a failed last write is emitted and counted). */
  async stop(): Promise<void> {
    this.timer?.();
    this.timer = undefined;
    await this.save();
  }

  /**
   * Writes what changed since the last write. Concurrent calls share a run; a call made while one
   * writes runs again after it. Never rejects: failures are emitted as `writeFailed`.
   */
  save(): Promise<void> {
    if (this.saving) {
      this.saveAfter ??= this.saving.then(() => {
        this.saveAfter = undefined;
        return this.save();
      });
      return this.saveAfter;
    }
    this.saving = this.saveOnce().finally(() => (this.saving = undefined));
    return this.saving;
  }

  stats(): ProfileKeeperStats {
    return { ...this.counters };
  }

  private async saveOnce(): Promise<void> {
    if (!this.store) return;
    const now = this.clock.now();
    const cutoff = now - this.retainMs;
    const changes: ProfileChange[] = [];
    const next = new Map<string, Written>();
    for (const { series, hours } of this.detector.profiles()) {
      const before = this.written.get(series) ?? new Map<number, ProfileHour>();
      const current: Written = new Map(hours.filter((h) => h.startedAt >= cutoff).map((h) => [h.startedAt, h]));
      const upserts = [...current.values()].filter((h) => !same(before.get(h.startedAt), h));
      const deletes = [...before.keys()].filter((startedAt) => !current.has(startedAt) && startedAt >= cutoff);
      next.set(series, current);
      if (upserts.length > 0 || deletes.length > 0) changes.push({ series, upserts, deletes });
    }
    const rows = changes.reduce((n, c) => n + c.upserts.length, 0);
    const deleted = changes.reduce((n, c) => n + c.deletes.length, 0);
    this.counters.pendingRows = rows + deleted;
    try {
      const pruned = await this.store.write(this.instance, changes, cutoff);
      for (const [series, current] of next) this.written.set(series, current);
      // Rows of series the detector does not watch are past retention once pruned.
      for (const [series, kept] of this.written) if (!next.has(series)) for (const startedAt of kept.keys()) if (startedAt < cutoff) kept.delete(startedAt);
      this.counters.saves++;
      this.counters.pendingRows = 0;
      if (rows + deleted + pruned > 0) this.events.emit('saved', { rows, deleted: deleted + pruned, at: now });
    } catch (error) {
      this.counters.writeFailures++;
      this.events.emit('writeFailed', { rows: rows + deleted, error, at: now });
    }
  }
}

const same = (a: ProfileHour | undefined, b: ProfileHour): boolean => a !== undefined && a.baseline === b.baseline && a.spread === b.spread && a.points === b.points;

export function anomalyProfileKeeper(options: ProfileKeeperOptions): AnomalyProfileKeeper {
  return new AnomalyProfileKeeper(options);
}
