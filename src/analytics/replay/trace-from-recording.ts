/** Rebuilds a dependency's call trace from the recording's buckets (a reconstruction). */
import type { AnalyticsReader } from '../reader.js';
import type { CallTrace } from './types.js';

export interface TraceFromRecordingOptions {
  /** Randomness for the calls' times within their buckets; seed it for a repeatable trace. */
  random?: () => number;
  /** The timeout the recording ran under (ms): each `timeout` call's latency. Unset: the slowest failures' latencies. */
  timeoutMs?: number;
}

export async function traceFromRecording(reader: AnalyticsReader, dependency: string, sinceMs: number, untilMs: number, options: TraceFromRecordingOptions = {}): Promise<CallTrace> {
  void reader;
  void dependency;
  void sinceMs;
  void untilMs;
  void options;
  throw new Error('traceFromRecording: not implemented');
}
