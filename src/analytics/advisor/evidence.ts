/**
 * The evidence of one dependency, read from the recording: its calls and outcomes, the latency
 * percentiles of its successful calls, its error rate over the range and in an ordinary bucket.
 */
import type { AnalyticsReader } from '../reader.js';
import { quantileOf } from '../latency-sketch.js';
import type { DependencyEvidence } from './types.js';

/** The median of the buckets' failed shares (over the calls that ran); 0 without a bucket. */
export function medianBucketErrorRate(rates: number[]): number {
  if (rates.length === 0) return 0;
  const sorted = [...rates].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function dependencyEvidence(reader: AnalyticsReader, dependency: string, fromMs: number, toMs: number): Promise<DependencyEvidence> {
  const summary = await reader.summary(dependency, fromMs, toMs);
  const rows = await reader.series(dependency, fromMs, toMs, summary.tierMs);
  const { success, failure, timeout, rejected } = summary.counts;
  const ran = success + failure + timeout;
  const rates = rows
    .map((r) => ({ ran: r.cell.counts.success + r.cell.counts.failure + r.cell.counts.timeout, failed: r.cell.counts.failure + r.cell.counts.timeout }))
    .filter((r) => r.ran > 0)
    .map((r) => r.failed / r.ran);
  // Calls per second from the first recorded bucket to the last: a recording younger than the range is not diluted.
  let worstBucketMs: number | null = null;
  let worstFailed = 0;
  for (const r of rows) {
    const failed = r.cell.counts.failure + r.cell.counts.timeout;
    if (failed > worstFailed) [worstFailed, worstBucketMs] = [failed, r.bucketStart];
  }
  const spanMs = rows.length > 0 ? rows.at(-1)!.bucketStart + summary.tierMs - rows[0]!.bucketStart : Math.max(1, summary.toMs - summary.fromMs);
  const q = (p: number): number => (success > 0 ? quantileOf(summary.successLatency, p) : Number.NaN);
  return {
    dependency,
    fromMs: summary.fromMs,
    toMs: summary.toMs,
    calls: ran + rejected,
    success,
    failure,
    timeout,
    rejected,
    callsPerSecond: ((ran + rejected) * 1000) / spanMs,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    p99_9Ms: q(0.999),
    errorRate: ran > 0 ? (failure + timeout) / ran : 0,
    baselineErrorRate: medianBucketErrorRate(rates),
    buckets: rows.length,
    bucketMs: summary.tierMs,
    worstBucketMs,
  };
}
