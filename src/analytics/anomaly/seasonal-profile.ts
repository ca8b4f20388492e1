/**
 * What each hour of the day (UTC) looked like on earlier days: per hour, the median and spread of
 * its points on each of the last `keepDays` days it was seen. An hour's seasonal band is the median
 * of those days' medians and of their spreads, once `seasonDays` days are known. The hour being
 * filled is summarised when its first point of a later hour arrives, so today's hour never
 * counts towards its own band.
 */
import { type RobustBand, median, robustBand } from './robust-band.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export class SeasonalProfile {
  /** Per hour of the day, one band per day seen (oldest first). */
  private readonly hours: RobustBand[][] = Array.from({ length: 24 }, () => []);
  private current: { key: number; values: number[] } | undefined;

  constructor(
    private readonly seasonDays: number,
    private readonly keepDays: number,
  ) {}

  /** Adds a point; closes the previous hour when this one starts a new hour. */
  add(atMs: number, value: number): void {
    const key = Math.floor(atMs / HOUR_MS);
    if (this.current && this.current.key !== key) this.close();
    this.current ??= { key, values: [] };
    this.current.values.push(value);
  }

  /** The band of the hour of day of `atMs` on earlier days, or undefined while fewer than `seasonDays` are known. */
  bandAt(atMs: number): RobustBand | undefined {
    const days = this.hours[hourOfDay(atMs)]!;
    if (days.length < this.seasonDays) return undefined;
    return { baseline: median(days.map((d) => d.baseline)), spread: median(days.map((d) => d.spread)) };
  }

  /** Days known of each hour of the day. */
  daysKnown(): number[] {
    return this.hours.map((d) => d.length);
  }

  private close(): void {
    const { key, values } = this.current!;
    this.current = undefined;
    const days = this.hours[hourOfDay(key * HOUR_MS)]!;
    days.push(robustBand(values));
    while (days.length > this.keepDays) days.shift();
  }
}

export function hourOfDay(atMs: number): number {
  return Math.floor((((atMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}
