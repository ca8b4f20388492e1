/**
 * The anomaly detector's options: the type, the defaults (each with its reason) and the checks.
 * Detector-wide settings apply to every series; each series adds its kind, the smallest change
 * worth an alert (`minAbsoluteChange`, in the series' unit) and the direction that matters.
 */
import { type Clock, systemClock } from '../../core/clock.js';
import { checkInteger, checkNonEmptyString, checkNumber, checkObject, checkOneOf, checkTimeZone } from '../../core/option-checks.js';

export const seriesKinds = ['latency', 'error-rate', 'order-rate', 'throttle-rate'] as const;
/** latency: ms (p99 of a bucket); error-rate: a share 0..1; order-rate and throttle-rate: per second. */
export type SeriesKind = (typeof seriesKinds)[number];

export const directions = ['up', 'down', 'both'] as const;
/** Which departures from the baseline are anomalies: above it, below it, or either. */
export type Direction = (typeof directions)[number];

export const seasonalities = ['hour-of-day', 'none'] as const;
export type Seasonality = (typeof seasonalities)[number];

export interface AnomalyDetectorOptions {
  /** The recent history the baseline is the median of. */
  historyMs?: number;
  /** Points the recent history must hold before any verdict: the warm-up, silent. */
  minSamples?: number;
  /** Half-width of the normal band in robust standard deviations (1.4826 x MAD). */
  deviations?: number;
  /** Anomalous points in a row before the series is called anomalous. */
  consecutivePoints?: number;
  /** 'hour-of-day' also learns, per hour of the day (on `timeZone`'s clock), the level of that hour on earlier days. */
  seasonality?: Seasonality;
  /** The clock the hours of the day are read on: an IANA time zone (`Europe/London`) or `UTC`. */
  timeZone?: string;
  /** Days an hour of the day must have been seen before its seasonal band is used. */
  seasonDays?: number;
  /** Days of each hour of the day kept. */
  keepDays?: number;
  clock?: Clock;
}

export const ANOMALY_DETECTOR_DEFAULTS = {
  historyMs: 30 * 60_000, // 180 points of 10 s: a median that a burst of faults (under half of it) cannot move
  minSamples: 30, // five minutes of 10 s points: a median and MAD from fewer points are noise
  deviations: 4, // ~1 normal point in 16,000 falls outside; heavy tails are left to consecutivePoints
  consecutivePoints: 3, // 30 s of 10 s points: one slow bucket is a blip, three in a row an episode
  seasonality: 'hour-of-day' as Seasonality, // trading traffic follows the sessions: a daily peak is no anomaly
  timeZone: 'UTC', // no daylight saving: every day has 24 hours; set the venue's zone when its sessions follow local time
  seasonDays: 2, // one earlier day could be the odd one; two agreeing days make a profile
  keepDays: 7, // a week: the profile follows a change of habit within days
  clock: systemClock as Clock,
};

export interface SeriesSpec {
  /** Unique; names the alert rule (`anomaly-NAME`) and the series' labels. */
  name: string;
  kind: SeriesKind;
  /** The smallest distance from the baseline that counts, in the series' unit (the kind's default). */
  minAbsoluteChange?: number;
  /** The kind's default unless set. */
  direction?: Direction;
}

/** Per kind: the smallest change worth an alert and the direction that hurts. */
export const SERIES_KIND_DEFAULTS: Record<SeriesKind, { minAbsoluteChange: number; direction: Direction }> = {
  latency: { minAbsoluteChange: 50, direction: 'up' }, // ms: 1 -> 3 ms is 3x yet harmless; 50 ms is felt by an order
  'error-rate': { minAbsoluteChange: 0.05, direction: 'up' }, // five calls in a hundred more failing
  'order-rate': { minAbsoluteChange: 0.2, direction: 'both' }, // two orders per 10 s; orders stopping matters as much as a flood
  'throttle-rate': { minAbsoluteChange: 0.1, direction: 'up' }, // one 429 per 10 s bucket over the usual
};

export type ResolvedDetectorOptions = Required<AnomalyDetectorOptions>;
export type ResolvedSeriesSpec = Required<SeriesSpec>;

export function resolveDetectorOptions(options: AnomalyDetectorOptions = {}): ResolvedDetectorOptions {
  checkObject('anomalyDetector', 'options', options);
  const o = { ...ANOMALY_DETECTOR_DEFAULTS, ...options };
  checkNumber('anomalyDetector', 'historyMs', o.historyMs, 0, Infinity, true);
  checkInteger('anomalyDetector', 'minSamples', o.minSamples, 3);
  checkNumber('anomalyDetector', 'deviations', o.deviations, 0, Infinity, true);
  checkInteger('anomalyDetector', 'consecutivePoints', o.consecutivePoints, 1);
  checkOneOf('anomalyDetector', 'seasonality', o.seasonality, seasonalities);
  checkTimeZone('anomalyDetector', 'timeZone', o.timeZone);
  checkInteger('anomalyDetector', 'seasonDays', o.seasonDays, 1);
  checkInteger('anomalyDetector', 'keepDays', o.keepDays, o.seasonDays);
  return o;
}

export function resolveSeriesSpec(spec: SeriesSpec): ResolvedSeriesSpec {
  checkObject('anomalyDetector', 'series', spec);
  checkNonEmptyString('anomalyDetector', 'series.name', spec.name);
  checkOneOf('anomalyDetector', `series ${spec.name}: kind`, spec.kind, seriesKinds);
  const o = { ...SERIES_KIND_DEFAULTS[spec.kind], ...spec };
  checkNumber('anomalyDetector', `series ${spec.name}: minAbsoluteChange`, o.minAbsoluteChange, 0);
  checkOneOf('anomalyDetector', `series ${spec.name}: direction`, o.direction, directions);
  return o;
}
