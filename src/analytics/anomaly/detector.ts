/**
 * The anomaly detector: series of (time, value) points, each judged against its baseline, whatever
 * the source (the recording's buckets, a counter's rate: see series-feeds.ts).
 *
 * Per series, a point is judged against two bands, each baseline +- `deviations` x spread:
 * - recent: the median and 1.4826 x MAD of the points of the last `historyMs`;
 * - seasonal (`seasonality: 'hour-of-day'`): the same hour of the day (on `timeZone`'s clock) on
 *   earlier days, once `seasonDays` days of that hour are known (seasonal-profile.ts). The profiles
 *   outlive a restart through `profiles()` and `restoreProfile()` (profile-keeper.ts).
 * A point is anomalous when it leaves every band it has, in the series' direction, and is at least
 * `minAbsoluteChange` away from each baseline; the series is anomalous after `consecutivePoints`
 * anomalous points in a row, and normal again at the first point that is not.
 *
 *   warm-up --(minSamples points in the history)--> normal <--(consecutivePoints anomalous / one normal)--> anomalous
 *      ^------------------(a gap: fewer than minSamples points in the history)-----------------'
 *
 * During the warm-up nothing is judged and nothing alerts. Every point, anomalous or not, then
 * enters the history: a lasting change becomes the new normal once it holds half the history.
 */
import type { Clock } from '../../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import { type AnomalyDetectorOptions, type ResolvedDetectorOptions, type ResolvedSeriesSpec, type SeriesKind, type SeriesSpec, resolveDetectorOptions, resolveSeriesSpec } from './options.js';
import { type RobustBand, robustBand } from './robust-band.js';
import { LocalHours } from './local-hours.js';
import { type ProfileHour, SeasonalProfile } from './seasonal-profile.js';

export interface SeriesPoint {
  atMs: number;
  value: number;
}

export type SeriesState = 'warm-up' | 'normal' | 'anomalous';

/** A series' verdict on its latest point. */
export interface SeriesStatus {
  series: string;
  kind: SeriesKind;
  state: SeriesState;
  /** The latest point judged (undefined before the first point). */
  atMs?: number;
  observed?: number;
  /** The baseline the point is compared with: of the bands it has, the one it is nearest to. */
  baseline?: number;
  /** That band's bounds. */
  lower?: number;
  upper?: number;
  /** (observed - baseline) / spread: signed robust deviations (Infinity when the spread is 0). */
  score?: number;
  /** Which band the baseline is from. */
  band?: 'recent' | 'seasonal';
  /** Anomalous points in a row, the latest included. */
  consecutive: number;
  /** Points in the recent history. */
  samples: number;
}

/**
 * A series changed state: `warm-up-ended`, `anomaly` (normal -> anomalous), `recovered`, or
 * `history-gap` (back to warm-up: a gap in the points left fewer than `minSamples` in the history).
 */
export interface SeriesStateChange {
  series: string;
  from: SeriesState;
  to: SeriesState;
  reason: 'warm-up-ended' | 'anomaly' | 'recovered' | 'history-gap';
  status: SeriesStatus;
  at: number;
}

export interface AnomalyDetectorEvents {
  stateChange: SeriesStateChange;
}

interface Tracked {
  spec: ResolvedSeriesSpec;
  history: SeriesPoint[];
  profile: SeasonalProfile | undefined;
  status: SeriesStatus;
}

export class AnomalyDetector implements EventSource<AnomalyDetectorEvents> {
  private readonly series = new Map<string, Tracked>();
  private readonly events = new Emitter<AnomalyDetectorEvents>();
  private readonly clockHours: LocalHours;
  /** Hours restored for series not added yet: they join the series' profile when it is. */
  private readonly restored = new Map<string, ProfileHour[]>();
  readonly options: ResolvedDetectorOptions;
  readonly clock: Clock;

  constructor(options: AnomalyDetectorOptions = {}) {
    this.options = resolveDetectorOptions(options);
    this.clock = this.options.clock;
    this.clockHours = new LocalHours(this.options.timeZone);
  }

  on<K extends keyof AnomalyDetectorEvents & string>(name: K, listener: Listener<AnomalyDetectorEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Adds a series; a second series of the same name is an error. */
  add(spec: SeriesSpec): ResolvedSeriesSpec {
    const resolved = resolveSeriesSpec(spec);
    if (this.series.has(resolved.name)) throw new Error(`anomalyDetector: series "${resolved.name}" already exists`);
    const profile = this.options.seasonality === 'hour-of-day' ? new SeasonalProfile(this.options.seasonDays, this.options.keepDays, this.clockHours) : undefined;
    profile?.restore(this.restored.get(resolved.name) ?? []);
    this.restored.delete(resolved.name);
    this.series.set(resolved.name, { spec: resolved, history: [], profile, status: { series: resolved.name, kind: resolved.kind, state: 'warm-up', consecutive: 0, samples: 0 } });
    return resolved;
  }

  /** Each series' seasonal profile as hours summarised (none with `seasonality: 'none'`): what a restart needs. */
  profiles(): Array<{ series: string; hours: ProfileHour[] }> {
    return [...this.series.values()].flatMap((t) => (t.profile ? [{ series: t.spec.name, hours: t.profile.snapshot() }] : []));
  }

  /**
   * Gives the seasonal profile of `series` hours learned before (by this instance before a restart):
   * at once if the series exists, else when it is added. Ignored with `seasonality: 'none'`.
   */
  restoreProfile(series: string, hours: readonly ProfileHour[]): void {
    if (this.options.seasonality !== 'hour-of-day') return;
    const t = this.series.get(series);
    if (t) t.profile?.restore(hours);
    else this.restored.set(series, [...(this.restored.get(series) ?? []), ...hours]);
  }

  specs(): ResolvedSeriesSpec[] {
    return [...this.series.values()].map((t) => t.spec);
  }

  status(name: string): SeriesStatus | undefined {
    const t = this.series.get(name);
    return t && { ...t.status };
  }

  statuses(): SeriesStatus[] {
    return [...this.series.values()].map((t) => ({ ...t.status }));
  }

  /**
   * Judges a point of `name` and adds it to the history. Points must come in time order: one no
   * later than the series' latest, or not a finite number, is ignored (the status is returned unchanged).
   */
  observe(name: string, point: SeriesPoint): SeriesStatus {
    const t = this.series.get(name);
    if (!t) throw new Error(`anomalyDetector: no series "${name}"`);
    const last = t.history.at(-1);
    if (!Number.isFinite(point.value) || !Number.isFinite(point.atMs) || (last && point.atMs <= last.atMs)) return { ...t.status };
    while (t.history.length > 0 && t.history[0]!.atMs <= point.atMs - this.options.historyMs) t.history.shift();
    const before = t.status.state;
    const next = t.history.length < this.options.minSamples ? this.warmUp(t, point) : this.judge(t, point);
    t.history.push(point);
    t.profile?.add(point.atMs, point.value);
    next.samples = t.history.length;
    t.status = next;
    if (next.state !== before) {
      const reason = next.state === 'warm-up' ? 'history-gap' : before === 'warm-up' ? 'warm-up-ended' : next.state === 'anomalous' ? 'anomaly' : 'recovered';
      this.events.emit('stateChange', { series: name, from: before, to: next.state, reason, status: { ...next }, at: this.clock.now() });
    }
    return { ...next };
  }

  private warmUp(t: Tracked, point: SeriesPoint): SeriesStatus {
    return { series: t.spec.name, kind: t.spec.kind, state: 'warm-up', atMs: point.atMs, observed: point.value, consecutive: 0, samples: 0 };
  }

  private judge(t: Tracked, point: SeriesPoint): SeriesStatus {
    const bands: Array<{ band: 'recent' | 'seasonal'; of: RobustBand }> = [{ band: 'recent', of: robustBand(t.history.map((p) => p.value)) }];
    const seasonal = t.profile?.bandAt(point.atMs);
    if (seasonal) bands.push({ band: 'seasonal', of: seasonal });
    // The nearest baseline speaks for the point: anomalous only if it is outside even that one's band.
    const nearest = bands.reduce((a, b) => (Math.abs(point.value - b.of.baseline) < Math.abs(point.value - a.of.baseline) ? b : a));
    const anomalous = bands.every((b) => this.outside(t.spec, b.of, point.value));
    const consecutive = anomalous ? t.status.consecutive + 1 : 0;
    const { baseline, spread } = nearest.of;
    const halfWidth = this.options.deviations * spread;
    const deviation = point.value - baseline;
    return {
      series: t.spec.name,
      kind: t.spec.kind,
      state: consecutive >= this.options.consecutivePoints ? 'anomalous' : 'normal',
      atMs: point.atMs,
      observed: point.value,
      baseline,
      lower: baseline - halfWidth,
      upper: baseline + halfWidth,
      score: spread > 0 ? deviation / spread : deviation === 0 ? 0 : Math.sign(deviation) * Infinity,
      band: nearest.band,
      consecutive,
      samples: 0,
    };
  }

  private outside(spec: ResolvedSeriesSpec, band: RobustBand, value: number): boolean {
    const deviation = value - band.baseline;
    const signed = spec.direction === 'up' ? deviation : spec.direction === 'down' ? -deviation : Math.abs(deviation);
    return signed > this.options.deviations * band.spread && signed >= spec.minAbsoluteChange;
  }
}

export function anomalyDetector(options: AnomalyDetectorOptions = {}): AnomalyDetector {
  return new AnomalyDetector(options);
}
