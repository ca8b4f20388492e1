/**
 * Hours on a time zone's wall clock, for the seasonal profile's hour-of-day buckets. An hour is
 * numbered by its local start: `hourKey(atMs)` counts local hours since 1970-01-01 00:00 local, so
 * its hour of the day is the key modulo 24 whatever the offset (a half-hour zone's hours start at
 * :30 UTC). Daylight saving time: the hour repeated in autumn is one hour of the day (its two
 * halves fill one bucket); the hour skipped in spring has no points that day.
 */
import { checkTimeZone } from '../../core/option-checks.js';

export const HOUR_MS = 3_600_000;
const DAY_HOURS = 24;
/** Offsets change on the quarter hour (UTC) in every zone in use: one lookup serves a quarter. */
const QUARTER_MS = 15 * 60_000;

export class LocalHours {
  private readonly format: Intl.DateTimeFormat | undefined;
  private cached: { quarter: number; offsetMs: number } | undefined;

  /** `timeZone`: an IANA name (`Europe/London`) or `UTC`; anything else is refused naming `option`. */
  constructor(
    readonly timeZone: string,
    component = 'anomalyDetector',
    option = 'timeZone',
  ) {
    checkTimeZone(component, option, timeZone);
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    // UTC needs no lookups.
    this.format = format.resolvedOptions().timeZone === 'UTC' ? undefined : format;
  }

  /** The zone's offset from UTC at `atMs` (positive east of Greenwich), in ms. */
  offsetMs(atMs: number): number {
    if (!this.format) return 0;
    const quarter = Math.floor(atMs / QUARTER_MS);
    if (this.cached?.quarter === quarter) return this.cached.offsetMs;
    const at = quarter * QUARTER_MS;
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    const offsetMs = wall - at;
    this.cached = { quarter, offsetMs };
    return offsetMs;
  }

  /** The local hour `atMs` falls in, counted from 1970-01-01 00:00 local time. */
  hourKey(atMs: number): number {
    return Math.floor((atMs + this.offsetMs(atMs)) / HOUR_MS);
  }

  /** The local hour of the day (0..23) of `atMs`. */
  hourOfDay(atMs: number): number {
    return hourOfKey(this.hourKey(atMs));
  }
}

/** The hour of the day (0..23) of an hour key. */
export function hourOfKey(key: number): number {
  return ((key % DAY_HOURS) + DAY_HOURS) % DAY_HOURS;
}
