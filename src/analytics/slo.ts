/**
 * SLOs over the recording: the SLI and error budget over the SLO's window, and the burn rate over
 * each window the multi-window alerts read (burn-rate.ts).
 * - availability: bad calls are failures, timeouts and refusals; every recorded call counts.
 * - latency: the successful calls; bad ones are slower than thresholdMs (read from the sketch:
 *   exact for the threshold rounded up to its bin, at most 2% above it at 1% accuracy).
 * Burn rate = (bad / total over the window) / (1 - objective): 1 spends the budget exactly over
 * the SLO window. A window without calls has no burn rate (null), and so fires nothing; an alert
 * whose long window holds fewer than `minimumCalls` calls has a ratio of 0 (too few calls to
 * judge: one failure among a handful is no burn), as the exported Prometheus rules compute it.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { checkInteger } from '../core/option-checks.js';
import { badOf, totalOf } from './outcomes.js';
import type { AnalyticsReader } from './reader.js';
import { BURN_RATE_ALERTS, type BurnRateAlert, burnFactor, burnWindowsMs, promDuration } from './burn-rate.js';

/** An SLO as the config's `slos` section gives it (config/slo-schema.ts). */
export interface SloDefinition {
  name: string;
  dependency: string;
  kind: 'availability' | 'latency';
  objectivePercent: number;
  thresholdMs?: number;
  windowDays?: number;
  /** The calls an alert's long window must hold before the alert judges its burn rate (0: any). */
  minimumCalls?: number;
  description?: string;
}

export const SLO_DEFAULTS = {
  windowDays: 28, // four whole weeks: every weekday counted alike
  minimumCalls: 100, // one bad call is then at most 1%, under the 1.34% (13.44 x 0.1%) that pages a 99.9% objective's hour
};

/** The SLO's `minimumCalls`, its default when unset; throws a RangeError naming the SLO and the key unless an integer >= 0. */
export function sloMinimumCalls(slo: SloDefinition): number {
  const value = slo.minimumCalls ?? SLO_DEFAULTS.minimumCalls;
  checkInteger(`slo "${slo.name}"`, 'minimumCalls', value, 0);
  return value;
}

export interface BurnAlertStatus {
  alert: string;
  severity: 'critical' | 'warning';
  factor: number;
  longWindow: string;
  shortWindow: string;
  longBurnRate: number | null;
  shortBurnRate: number | null;
  /** Calls over the long window. */
  longWindowCalls: number;
  /** Whether the long window holds the SLO's `minimumCalls`; if not, the alert judges nothing. */
  enoughCalls: boolean;
  /**
   * min(long, short) / factor: 1 or more fires. Null when a window has no calls; 0 without
   * enough calls in the long window.
   */
  ratio: number | null;
  firing: boolean;
}

export interface SloStatus {
  name: string;
  dependency: string;
  kind: 'availability' | 'latency';
  objectivePercent: number;
  windowDays: number;
  minimumCalls: number;
  at: number;
  /** Over the SLO window. */
  totalCalls: number;
  badCalls: number;
  /** The share of good calls in percent; null without calls. */
  sliPercent: number | null;
  /** Bad calls the objective allows over the window, at the traffic seen. */
  allowedBadCalls: number;
  /** 1 - bad / allowed: 1 untouched, 0 spent, below 0 overspent. 1 without calls. */
  budgetRemainingRatio: number;
  /** Error ratio (bad / total) per window, keyed as Prometheus durations (5m, 1h, ...). */
  errorRatios: Record<string, number | null>;
  burnRates: Record<string, number | null>;
  /** Calls per window, keyed as the error ratios. */
  calls: Record<string, number>;
  alerts: BurnAlertStatus[];
}

export interface SloEvaluatorOptions {
  reader: AnalyticsReader;
  slos: readonly SloDefinition[];
  alerts?: readonly BurnRateAlert[];
  clock?: Clock;
}

export class SloEvaluator {
  readonly slos: readonly SloDefinition[];
  readonly alerts: readonly BurnRateAlert[];
  private readonly reader: AnalyticsReader;
  private readonly clock: Clock;

  constructor(options: SloEvaluatorOptions) {
    for (const slo of options.slos) sloMinimumCalls(slo);
    this.reader = options.reader;
    this.slos = options.slos;
    this.alerts = options.alerts ?? BURN_RATE_ALERTS;
    this.clock = options.clock ?? systemClock;
  }

  /** Bad and total calls of an SLO over [now - windowMs, now). */
  async calls(slo: SloDefinition, windowMs: number, now: number): Promise<{ bad: number; total: number }> {
    if (slo.kind === 'availability') {
      const counts = await this.reader.counts(slo.dependency, now - windowMs, now);
      return { bad: badOf(counts), total: totalOf(counts) };
    }
    const { total, above } = await this.reader.latencyCounts(slo.dependency, now - windowMs, now, slo.thresholdMs ?? Infinity);
    return { bad: above, total };
  }

  async status(slo: SloDefinition, now = this.clock.now()): Promise<SloStatus> {
    const windowDays = slo.windowDays ?? SLO_DEFAULTS.windowDays;
    const minimumCalls = sloMinimumCalls(slo);
    const budget = (100 - slo.objectivePercent) / 100;
    const whole = await this.calls(slo, windowDays * 86_400_000, now);
    const errorRatios: Record<string, number | null> = {};
    const burnRates: Record<string, number | null> = {};
    const calls: Record<string, number> = {};
    for (const windowMs of burnWindowsMs(this.alerts)) {
      const { bad, total } = await this.calls(slo, windowMs, now);
      const ratio = total > 0 ? bad / total : null;
      errorRatios[promDuration(windowMs)] = ratio;
      burnRates[promDuration(windowMs)] = ratio === null ? null : ratio / budget;
      calls[promDuration(windowMs)] = total;
    }
    const alerts = this.alerts.map((a): BurnAlertStatus => {
      const factor = burnFactor(a, windowDays);
      const longBurnRate = burnRates[promDuration(a.longWindowMs)] ?? null;
      const shortBurnRate = burnRates[promDuration(a.shortWindowMs)] ?? null;
      const longWindowCalls = calls[promDuration(a.longWindowMs)] ?? 0;
      const enoughCalls = longWindowCalls >= minimumCalls;
      const burning = longBurnRate === null || shortBurnRate === null ? null : Math.min(longBurnRate, shortBurnRate) / factor;
      const ratio = burning === null || enoughCalls ? burning : 0;
      return {
        alert: a.alert,
        severity: a.severity,
        factor,
        longWindow: promDuration(a.longWindowMs),
        shortWindow: promDuration(a.shortWindowMs),
        longBurnRate,
        shortBurnRate,
        longWindowCalls,
        enoughCalls,
        ratio,
        firing: ratio !== null && ratio >= 1,
      };
    });
    const allowedBadCalls = whole.total * budget;
    return {
      name: slo.name,
      dependency: slo.dependency,
      kind: slo.kind,
      objectivePercent: slo.objectivePercent,
      windowDays,
      minimumCalls,
      at: now,
      totalCalls: whole.total,
      badCalls: whole.bad,
      sliPercent: whole.total > 0 ? (100 * (whole.total - whole.bad)) / whole.total : null,
      allowedBadCalls,
      budgetRemainingRatio: whole.total > 0 ? 1 - whole.bad / allowedBadCalls : 1,
      errorRatios,
      burnRates,
      calls,
      alerts,
    };
  }

  /** Every SLO's status now. */
  async statuses(now = this.clock.now()): Promise<SloStatus[]> {
    const out: SloStatus[] = [];
    for (const slo of this.slos) out.push(await this.status(slo, now));
    return out;
  }
}

export function sloEvaluator(options: SloEvaluatorOptions): SloEvaluator {
  return new SloEvaluator(options);
}
