/**
 * Rebuilds a dependency's call trace from the recording: a reconstruction, not the calls
 * themselves, since a bucket keeps counts and latency sketches, not each call.
 *
 * Per bucket: every recorded call (refusals included) gets a time drawn uniformly within the
 * bucket's span; the successful calls get the successful sketch's values at evenly spread ranks
 * (all of its ranks when the counts match, as they do for recorded calls), the failed ones the
 * failure sketch's, its slowest ranks going to the timeouts (a timeout is the slowest way to
 * fail); outcomes are shuffled over the times. So the counts per bucket are exact, and each
 * latency is within the sketch's relative error (1% by default) of a true latency of the same
 * rank in its bucket: every percentile of the trace, over any whole buckets, is within that error
 * of the recorded calls' own. What is lost is the order of calls within a bucket (10 s, or 5 min
 * for a range older than a day). A call the recording's own policy refused (`rejected`) is kept as
 * unobserved (`observed: false`): the caller made it, the dependency never saw it, and it takes
 * the behaviour of the nearest observed call.
 */
import { checkFunction, checkNumber, checkObject, checkString } from '../../core/option-checks.js';
import { type LatencySketch, quantileOf } from '../latency-sketch.js';
import type { AnalyticsReader } from '../reader.js';
import type { CallTrace, TraceCall, TraceOutcome } from './types.js';

export interface TraceFromRecordingOptions {
  /** Randomness for the calls' times within their buckets; seed it for a repeatable trace. */
  random?: () => number;
  /** The timeout the recording ran under (ms): each `timeout` call's latency. Unset: the failure sketch's slowest values. */
  timeoutMs?: number;
}

export const TRACE_FROM_RECORDING_DEFAULTS = {
  // A different reconstruction per run unless seeded: seed it to compare settings on one trace.
  random: Math.random as () => number,
  // The recorded durations of the timeouts say how long they waited; no need to be told.
  timeoutMs: undefined as number | undefined,
};

const where = 'traceFromRecording';

/** `count` values of `sketch` at evenly spread ranks, ascending (every rank once when count = sketch.count). */
function valuesAtRanks(sketch: LatencySketch, count: number): number[] {
  if (count === 0) return [];
  if (sketch.count === 0) return new Array<number>(count).fill(0);
  const values = new Array<number>(count);
  for (let k = 0; k < count; k++) {
    // The sketch reads rank floor(q x (n - 1)); aim at the middle of each rank so rounding cannot slip.
    const rank = count === 1 ? Math.floor((sketch.count - 1) / 2) : Math.round((k * (sketch.count - 1)) / (count - 1));
    values[k] = quantileOf(sketch, sketch.count === 1 ? 0 : Math.min(1, (rank + 0.5) / (sketch.count - 1)));
  }
  return values;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** The trace of `dependency` over [sinceMs, untilMs), read in whole buckets (see the module comment). */
export async function traceFromRecording(reader: AnalyticsReader, dependency: string, sinceMs: number, untilMs: number, options: TraceFromRecordingOptions = {}): Promise<CallTrace> {
  checkString(where, 'dependency', dependency);
  checkNumber(where, 'sinceMs', sinceMs, -Infinity);
  checkNumber(where, 'untilMs', untilMs, sinceMs, Infinity, true);
  checkObject(where, 'options', options);
  const random = options.random ?? TRACE_FROM_RECORDING_DEFAULTS.random;
  checkFunction(where, 'random', random);
  const timeoutMs = options.timeoutMs ?? TRACE_FROM_RECORDING_DEFAULTS.timeoutMs;
  if (timeoutMs !== undefined) checkNumber(where, 'timeoutMs', timeoutMs, 0, Infinity, true);

  const bucketMs = reader.tierFor(sinceMs).bucketMs;
  const rows = await reader.series(dependency, sinceMs, untilMs, bucketMs);
  const calls: TraceCall[] = [];
  let relativeError = 0;
  for (const { bucketStart, cell } of rows) {
    const { success, failure, timeout, rejected } = cell.counts;
    relativeError = Math.max(relativeError, accuracyOf(cell.successLatency), accuracyOf(cell.failureLatency));
    const answers: Array<{ outcome: TraceOutcome | 'rejected'; latencyMs: number }> = [];
    for (const latencyMs of valuesAtRanks(cell.successLatency, success)) answers.push({ outcome: 'success', latencyMs });
    const failed = valuesAtRanks(cell.failureLatency, failure + timeout);
    failed.forEach((latencyMs, k) => answers.push(k < failure ? { outcome: 'failure', latencyMs } : { outcome: 'timeout', latencyMs: timeoutMs ?? latencyMs }));
    for (let k = 0; k < rejected; k++) answers.push({ outcome: 'rejected', latencyMs: 0 });
    shuffle(answers, random);
    const times = Float64Array.from(answers, () => bucketStart + random() * bucketMs).sort();
    answers.forEach((answer, k) => {
      calls.push(answer.outcome === 'rejected' ? { atMs: times[k]!, latencyMs: 0, outcome: 'failure', observed: false } : { atMs: times[k]!, latencyMs: answer.latencyMs, outcome: answer.outcome });
    });
  }
  fillUnobserved(calls);
  return { dependency, calls, latencyRelativeError: relativeError };
}

/** An unobserved call behaves as the nearest observed one (the earlier on a tie); left as a failure when none was observed. */
function fillUnobserved(calls: TraceCall[]): void {
  let previous = -1;
  const nextObserved = new Int32Array(calls.length).fill(-1);
  for (let i = calls.length - 1, next = -1; i >= 0; i--) {
    nextObserved[i] = next;
    if (calls[i]!.observed !== false) next = i;
  }
  calls.forEach((call, i) => {
    if (call.observed !== false) {
      previous = i;
      return;
    }
    const after = nextObserved[i]!;
    const pick = previous < 0 ? after : after < 0 ? previous : call.atMs - calls[previous]!.atMs <= calls[after]!.atMs - call.atMs ? previous : after;
    if (pick >= 0) {
      call.latencyMs = calls[pick]!.latencyMs;
      call.outcome = calls[pick]!.outcome;
    }
  });
}

function accuracyOf(sketch: LatencySketch): number {
  return (sketch.mapping as { relativeAccuracy?: number }).relativeAccuracy ?? 0;
}
