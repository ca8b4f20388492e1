/**
 * Feeds: small adapters that turn a source into points for the detector. Each `poll(nowMs)` returns
 * the points that became complete since its previous poll, in time order.
 * - the recording (reader.ts): per 10 s bucket of a dependency, the p99 latency of its successful
 *   calls, or its error rate (failures and timeouts out of the calls that ran: refusals are the
 *   breaker's doing and follow the failures);
 * - a counter a metric source serves (the service's `bulwark_orders_total`,
 *   `bulwark_exchange_throttled_total`): its per-second increase between two polls.
 */
import type { AnalyticsReader } from '../reader.js';
import { quantileOf } from '../latency-sketch.js';
import type { MetricSource } from '../slo-alerts.js';
import { checkInteger, checkNumber } from '../../core/option-checks.js';
import type { SeriesPoint } from './detector.js';

export interface SeriesFeed {
  poll(nowMs: number): Promise<SeriesPoint[]>;
}

export interface RecordedFeedOptions {
  /** The recording's finest tier. */
  bucketMs?: number;
  /** A bucket is read once it ended this long ago: the recorder writes every flushEveryMs. */
  lagMs?: number;
  /** How far back the first poll reads: a restart starts with its history instead of a warm-up. */
  backfillMs?: number;
  /** Buckets with fewer calls give no point: a rate or a p99 of a handful of calls is noise. */
  minCalls?: number;
  /** Latency: the quantile of each bucket. */
  quantile?: number;
}

export const RECORDED_FEED_DEFAULTS = {
  bucketMs: 10_000, // the recorder's fine tier
  lagMs: 10_000, // the recorder's flushEveryMs: the bucket is written by then
  backfillMs: 30 * 60_000, // the detector's default history: no warm-up after a restart
  minCalls: 5, // one failure in two calls is no 50% error rate worth judging
  quantile: 0.99, // the tail the callers feel
};

type RecordedKind = 'latency' | 'error-rate';

/** Points of `dependency` from the recording: the p99 latency (ms) or the error rate (0..1) of each bucket. */
export function recordedFeed(reader: Pick<AnalyticsReader, 'series'>, dependency: string, kind: RecordedKind, options: RecordedFeedOptions = {}): SeriesFeed {
  const o = { ...RECORDED_FEED_DEFAULTS, ...options };
  checkNumber('recordedFeed', 'bucketMs', o.bucketMs, 0, Infinity, true);
  checkNumber('recordedFeed', 'lagMs', o.lagMs, 0);
  checkNumber('recordedFeed', 'backfillMs', o.backfillMs, 0);
  checkInteger('recordedFeed', 'minCalls', o.minCalls, 1);
  checkNumber('recordedFeed', 'quantile', o.quantile, 0, 1);
  let cursor: number | undefined;
  return {
    async poll(nowMs) {
      const until = Math.floor((nowMs - o.lagMs) / o.bucketMs) * o.bucketMs;
      cursor ??= Math.floor((nowMs - o.lagMs - o.backfillMs) / o.bucketMs) * o.bucketMs;
      const from = cursor;
      if (until <= from) return [];
      const rows = await reader.series(dependency, from, until, o.bucketMs);
      cursor = until;
      const points: SeriesPoint[] = [];
      for (const row of rows) {
        if (row.bucketStart < from || row.bucketStart >= until) continue;
        const { success, failure, timeout } = row.cell.counts;
        if (kind === 'latency') {
          if (success >= o.minCalls) points.push({ atMs: row.bucketStart, value: quantileOf(row.cell.successLatency, o.quantile) });
        } else if (success + failure + timeout >= o.minCalls) {
          points.push({ atMs: row.bucketStart, value: (failure + timeout) / (success + failure + timeout) });
        }
      }
      return points.sort((a, b) => a.atMs - b.atMs);
    },
  };
}

/**
 * The per-second increase of a counter, summed over the samples of `metric` whose labels equal
 * `match`, between two polls; the first poll gives no point. A total that went down is a restarted
 * counter: its new value is the increase.
 */
export function counterRateFeed(source: MetricSource, metric: string, match: Record<string, string> = {}): SeriesFeed {
  let previous: { atMs: number; total: number } | undefined;
  return {
    async poll(nowMs) {
      const samples = await source.read(metric);
      const total = samples.filter((s) => Object.entries(match).every(([k, v]) => String(s.labels[k] ?? '') === v)).reduce((sum, s) => sum + s.value, 0);
      const before = previous;
      previous = { atMs: nowMs, total };
      if (!before || nowMs <= before.atMs) return [];
      const increase = total >= before.total ? total - before.total : total;
      return [{ atMs: nowMs, value: increase / ((nowMs - before.atMs) / 1_000) }];
    },
  };
}
