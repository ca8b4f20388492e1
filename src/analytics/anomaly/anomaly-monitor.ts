/**
 * Runs the detector over its feeds: every `everyMs`, each series' feed is polled and its new points
 * judged. A feed that fails is emitted as `pollFailed` and polled again next time; the others go on.
 */
import { type Clock, setTimerOn } from '../../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../../core/events.js';
import { checkNumber } from '../../core/option-checks.js';
import type { AnomalyDetector } from './detector.js';
import type { SeriesSpec } from './options.js';
import type { SeriesFeed } from './series-feeds.js';

export interface AnomalyMonitorOptions {
  detector: AnomalyDetector;
  /** Each series with the feed of its points. */
  series: ReadonlyArray<{ spec: SeriesSpec; feed: SeriesFeed }>;
  /** Poll period. */
  everyMs?: number;
  /** The detector's clock unless set. */
  clock?: Clock;
}

export const ANOMALY_MONITOR_DEFAULTS = {
  everyMs: 10_000, // one bucket of the recording's fine tier: each point is judged once it is written
};

export interface AnomalyMonitorEvents {
  pollFailed: { series: string; error: unknown };
}

export class AnomalyMonitor implements EventSource<AnomalyMonitorEvents> {
  private readonly events = new Emitter<AnomalyMonitorEvents>();
  private readonly clock: Clock;
  private readonly everyMs: number;
  private readonly feeds: Array<{ name: string; feed: SeriesFeed }>;
  private cancel: (() => void) | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: AnomalyMonitorOptions) {
    this.clock = options.clock ?? options.detector.clock;
    this.everyMs = options.everyMs ?? ANOMALY_MONITOR_DEFAULTS.everyMs;
    checkNumber('anomalyMonitor', 'everyMs', this.everyMs, 0, Infinity, true);
    this.feeds = options.series.map(({ spec, feed }) => ({ name: options.detector.add(spec).name, feed }));
  }

  get detector(): AnomalyDetector {
    return this.options.detector;
  }

  on<K extends keyof AnomalyMonitorEvents & string>(name: K, listener: Listener<AnomalyMonitorEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Polls every feed once. Concurrent calls share one run. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  start(): void {
    if (this.cancel) return;
    const tick = (): void => {
      this.cancel = setTimerOn(this.clock, this.everyMs, () => {
        void this.poll().finally(() => {
          if (this.cancel) tick();
        });
      });
    };
    tick();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private async pollOnce(): Promise<void> {
    const now = this.clock.now();
    for (const { name, feed } of this.feeds) {
      try {
        for (const point of await feed.poll(now)) this.options.detector.observe(name, point);
      } catch (error) {
        this.events.emit('pollFailed', { series: name, error });
      }
    }
  }
}

export function anomalyMonitor(options: AnomalyMonitorOptions): AnomalyMonitor {
  return new AnomalyMonitor(options);
}
