/**
 * The `order-rate` rule: new orders per minute against their own baseline, an exponentially
 * weighted moving average (EWMA) of the past minutes. A minute whose count passes both
 * `factor` x baseline and `minPerMinute` is reported once; a runaway strategy or a stolen key
 * sending orders shows up within the minute it starts.
 *
 * Fed with the time of each new order (an intent created in the journal); the minutes in between
 * count as zero, so a quiet night lowers the baseline the way it should.
 */
import { checkInteger, checkNumber } from '../core/option-checks.js';
import type { ThreatFinding } from './threat-rules.js';

export interface OrderRateOptions {
  /** A minute above `factor` x the baseline is reported (when it also passes `minPerMinute`). */
  factor?: number;
  /** Never report a minute with fewer orders than this, whatever the baseline. */
  minPerMinute?: number;
  /** Weight of the latest minute in the baseline (EWMA alpha, 0-1). */
  alpha?: number;
  /** Minutes observed before the rule reports: the baseline must mean something first. */
  warmupMinutes?: number;
}

export const ORDER_RATE_DEFAULTS = {
  factor: 5, // five times the usual pace is no market's normal swing for one strategy
  minPerMinute: 30, // a quiet book going from 1 to 6 orders a minute is not an incident
  alpha: 0.1, // about the last ten minutes weigh in: a steady shift becomes the new normal within a quarter hour
  warmupMinutes: 10, // the same ten minutes before the first report
};

const MINUTE = 60_000;

export class OrderRateRule {
  readonly name = 'order-rate' as const;
  private readonly o: typeof ORDER_RATE_DEFAULTS;
  private minute: number | undefined;
  private count = 0;
  private baseline: number | undefined;
  private minutesSeen = 0;
  private reportedMinute: number | undefined;

  constructor(options: OrderRateOptions = {}) {
    this.o = { ...ORDER_RATE_DEFAULTS, ...options };
    checkNumber('orderRate', 'factor', this.o.factor, 1, Infinity, true);
    checkInteger('orderRate', 'minPerMinute', this.o.minPerMinute, 1);
    checkNumber('orderRate', 'alpha', this.o.alpha, 0, 1, true);
    checkInteger('orderRate', 'warmupMinutes', this.o.warmupMinutes, 0);
  }

  /** The baseline in orders per minute (undefined before the first full minute). */
  get baselinePerMinute(): number | undefined {
    return this.baseline;
  }

  /** Closes the minutes before the one `at` falls in, folding each into the baseline. */
  private roll(at: number): void {
    const minute = Math.floor(at / MINUTE);
    if (this.minute === undefined) {
      this.minute = minute;
      return;
    }
    if (minute <= this.minute) return;
    const a = this.o.alpha;
    this.baseline = this.baseline === undefined ? this.count : a * this.count + (1 - a) * this.baseline;
    // The empty minutes in between, folded at once: each multiplies the baseline by (1 - alpha).
    const empty = minute - this.minute - 1;
    if (empty > 0) this.baseline *= (1 - a) ** empty;
    this.minutesSeen += minute - this.minute;
    this.minute = minute;
    this.count = 0;
  }

  /** One new order at `at`; a finding when this minute just went past the threshold. */
  order(at: number, exchange?: string): ThreatFinding | undefined {
    this.roll(at);
    this.count += 1;
    if (this.baseline === undefined || this.minutesSeen < this.o.warmupMinutes || this.reportedMinute === this.minute) return undefined;
    const threshold = Math.max(this.o.minPerMinute, this.o.factor * this.baseline);
    if (this.count <= threshold) return undefined;
    this.reportedMinute = this.minute;
    return {
      rule: this.name,
      at,
      severity: 'critical',
      summary: `${this.count} orders this minute${exchange ? ` on ${exchange}` : ''}, against a baseline of ${this.baseline.toFixed(1)} a minute`,
      detail: { ordersThisMinute: this.count, baselinePerMinute: Number(this.baseline.toFixed(3)), factor: this.o.factor, minPerMinute: this.o.minPerMinute, ...(exchange ? { exchange } : {}) },
    };
  }
}
