import { checkNumber } from '../../core/option-checks.js';
import type { LimitAlgorithm, LimitSample } from './limit-algorithm.js';

/**
 * Gradient2 (Netflix concurrency-limits `Gradient2Limit`): compares the latest round-trip time
 * with a long exponential average of it. While latency stays within `rttTolerance` of the long
 * average the limit grows by `queueSize` per sample (smoothed); when latency climbs, the
 * gradient `rttTolerance * longRtt / rtt` (clamped to [0.5, 1]) shrinks the limit in proportion.
 * The long average drifts down quickly after a slow spell, so a recovered service is noticed.
 */
export interface Gradient2Options {
  /** Starting limit; 20 as in Netflix's default. */
  initialLimit?: number;
  /** Lower bound; 1 keeps one call going so recovery can be observed. */
  minLimit?: number;
  /** Upper bound; 200 as in Netflix's default. */
  maxLimit?: number;
  /** Weight of each new estimate, in (0, 1]; 0.2 damps noise from single slow calls (Netflix). */
  smoothing?: number;
  /** Latency ratio accepted before the limit shrinks; 1.5 as in Netflix's default. */
  rttTolerance?: number;
  /** Samples in the long latency average; 600 as in Netflix's default. */
  longWindow?: number;
  /** Headroom added on each growth step; 4 as in Netflix's default queue size. */
  queueSize?: number;
}

export const GRADIENT2_DEFAULTS = {
  initialLimit: 20,
  minLimit: 1,
  maxLimit: 200,
  smoothing: 0.2,
  rttTolerance: 1.5,
  longWindow: 600,
  queueSize: 4,
} satisfies Required<Gradient2Options>;

/** Samples averaged plainly before the exponential average takes over (Netflix: 10). */
const WARMUP_SAMPLES = 10;

/** An exponential moving average that starts as a plain average over its first samples. */
class ExpAverage {
  value = 0;
  private count = 0;
  private readonly factor: number;

  constructor(window: number) {
    this.factor = 2 / (window + 1);
  }

  add(sample: number): number {
    if (this.count < WARMUP_SAMPLES) {
      this.count++;
      this.value += (sample - this.value) / this.count;
    } else {
      this.value = this.value * (1 - this.factor) + sample * this.factor;
    }
    return this.value;
  }
}

export class Gradient2Limit implements LimitAlgorithm {
  private estimate: number;
  private readonly longRtt: ExpAverage;
  private readonly options: Required<Gradient2Options>;

  constructor(options: Gradient2Options = {}) {
    const o = { ...GRADIENT2_DEFAULTS, ...options };
    checkNumber('gradient2', 'minLimit', o.minLimit, 1);
    checkNumber('gradient2', 'maxLimit', o.maxLimit, o.minLimit);
    checkNumber('gradient2', 'initialLimit', o.initialLimit, o.minLimit, o.maxLimit);
    checkNumber('gradient2', 'smoothing', o.smoothing, 0, 1, true);
    checkNumber('gradient2', 'rttTolerance', o.rttTolerance, 1);
    checkNumber('gradient2', 'longWindow', o.longWindow, 1);
    checkNumber('gradient2', 'queueSize', o.queueSize, 0);
    this.options = o;
    this.estimate = o.initialLimit;
    this.longRtt = new ExpAverage(o.longWindow);
  }

  get limit(): number {
    return Math.floor(this.estimate);
  }

  /** The long-run average round-trip time, in ms (0 before the first sample). */
  get longRttMs(): number {
    return this.longRtt.value;
  }

  onSample(sample: LimitSample): number {
    const { smoothing, rttTolerance, queueSize, minLimit, maxLimit } = this.options;
    const shortRtt = Math.max(sample.rttMs, Number.EPSILON);
    let longRtt = this.longRtt.add(shortRtt);
    // After a slow spell the long average lags far above current latency: let it catch up fast.
    if (longRtt / shortRtt > 2) {
      this.longRtt.value *= 0.95;
      longRtt = this.longRtt.value;
    }
    // An application using less than half its limit says nothing about the service's capacity.
    if (sample.inflight < this.estimate / 2) return this.limit;
    const gradient = Math.max(0.5, Math.min(1, (rttTolerance * longRtt) / shortRtt));
    const target = this.estimate * gradient + queueSize;
    const smoothed = this.estimate * (1 - smoothing) + target * smoothing;
    this.estimate = Math.max(minLimit, Math.min(maxLimit, smoothed));
    return this.limit;
  }
}

/** A Gradient2 limit algorithm for `adaptiveConcurrency({ algorithm })`. */
export function gradient2(options: Gradient2Options = {}): Gradient2Limit {
  return new Gradient2Limit(options);
}
