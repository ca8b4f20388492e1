/**
 * What each hour of the day (on the detector's `timeZone` clock, UTC by default) looked like on
 * earlier days: per hour, the median and spread of its points on each of the last `keepDays` days
 * it was seen. An hour's seasonal band is the median of those days' medians and of their spreads,
 * once `seasonDays` earlier days are known. The hour being filled is summarised when the first
 * point of a later hour arrives, and an hour never counts towards its own band.
 *
 * `snapshot()` and `restore()` carry the profile across a restart (profile-keeper.ts): each hour
 * kept is a summary (start, median, spread, points), and the hour being filled is summarised so
 * far. Restored twice, one hour keeps the summary of more points: an hour resumed after a restart
 * is the longer of its two parts.
 */
import { LocalHours, hourOfKey } from './local-hours.js';
import { type RobustBand, median, robustBand } from './robust-band.js';

/** One hour of one day, summarised: what is kept of it, in memory and in the storage. */
export interface ProfileHour {
  /** The time of its first point (UTC ms): the hour is the local hour this falls in. */
  startedAt: number;
  /** The median of its points. */
  baseline: number;
  /** 1.4826 x their MAD. */
  spread: number;
  /** How many points it summarises. */
  points: number;
}

interface KeptHour extends ProfileHour {
  key: number;
}

const UTC_HOURS = new LocalHours('UTC');

export class SeasonalProfile {
  /** Per hour of the day, one summary per day seen (oldest first). */
  private readonly hours: KeptHour[][] = Array.from({ length: 24 }, () => []);
  private current: { key: number; startedAt: number; values: number[] } | undefined;

  constructor(
    private readonly seasonDays: number,
    private readonly keepDays: number,
    private readonly clockHours: LocalHours = UTC_HOURS,
  ) {}

  /** Adds a point; closes the previous hour when this one starts a new hour. */
  add(atMs: number, value: number): void {
    const key = this.clockHours.hourKey(atMs);
    if (this.current && this.current.key !== key) this.close();
    this.current ??= { key, startedAt: atMs, values: [] };
    this.current.values.push(value);
  }

  /** The band of the hour of day of `atMs` on earlier days, or undefined while fewer than `seasonDays` are known. */
  bandAt(atMs: number): RobustBand | undefined {
    const key = this.clockHours.hourKey(atMs);
    const days = this.hours[hourOfKey(key)]!.filter((d) => d.key !== key);
    if (days.length < this.seasonDays) return undefined;
    return { baseline: median(days.map((d) => d.baseline)), spread: median(days.map((d) => d.spread)) };
  }

  /** Days known of each hour of the day. */
  daysKnown(): number[] {
    return this.hours.map((d) => d.length);
  }

  /** The hours kept and the hour being filled (summarised so far), oldest first. */
  snapshot(): ProfileHour[] {
    const kept: ProfileHour[] = this.hours.flatMap((days) => days.map(({ startedAt, baseline, spread, points }) => ({ startedAt, baseline, spread, points })));
    if (this.current) kept.push(this.summary(this.current));
    return kept.sort((a, b) => a.startedAt - b.startedAt);
  }

  /**
   * Adds hours summarised earlier (by a process before a restart). Each joins its hour of the day
   * on this profile's clock; one hour twice keeps the summary of more points; past `keepDays` per
   * hour of the day, the oldest are forgotten.
   */
  restore(hours: readonly ProfileHour[]): void {
    for (const hour of hours) {
      if (![hour.startedAt, hour.baseline, hour.spread].every(Number.isFinite) || !(hour.points >= 1)) continue;
      this.keep({ ...hour, key: this.clockHours.hourKey(hour.startedAt) });
    }
  }

  private close(): void {
    const current = this.current!;
    this.current = undefined;
    this.keep({ ...this.summary(current), key: current.key });
  }

  private summary(hour: { startedAt: number; values: number[] }): ProfileHour {
    return { startedAt: hour.startedAt, ...robustBand(hour.values), points: hour.values.length };
  }

  private keep(hour: KeptHour): void {
    const days = this.hours[hourOfKey(hour.key)]!;
    const same = days.findIndex((d) => d.key === hour.key);
    if (same >= 0) {
      if (days[same]!.points > hour.points) return;
      days.splice(same, 1);
    }
    days.push(hour);
    days.sort((a, b) => a.key - b.key);
    while (days.length > this.keepDays) days.shift();
  }
}

/** The hour of the day (0..23, UTC) of `atMs`; `new LocalHours(zone).hourOfDay(atMs)` on another clock. */
export function hourOfDay(atMs: number): number {
  return UTC_HOURS.hourOfDay(atMs);
}
