/** A synthetic trace for the replay's tests: lognormal latencies, and an outage window. */
import { seededRandom } from '../../../src/core/random.js';
import type { CallTrace, TraceCall } from '../../../src/analytics/replay/types.js';

export interface SyntheticTraceOptions {
  seed: number;
  durationMs: number;
  callsPerSecond: number;
  /** Healthy latency: median and log-space spread. */
  medianMs?: number;
  sigma?: number;
  /** [fromMs, toMs): every call fails, `timeoutShare` of them by never answering within `recordedTimeoutMs`. */
  outage?: { fromMs: number; toMs: number; timeoutShare: number; failureLatencyMs: number };
  recordedTimeoutMs?: number;
}

export function syntheticTrace(o: SyntheticTraceOptions): CallTrace {
  const random = seededRandom(o.seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const calls: TraceCall[] = [];
  const stepMs = 1000 / o.callsPerSecond;
  for (let atMs = 0; atMs < o.durationMs; atMs += stepMs) {
    const inOutage = o.outage && atMs >= o.outage.fromMs && atMs < o.outage.toMs;
    if (inOutage) {
      const timedOut = random() < o.outage!.timeoutShare;
      calls.push(timedOut ? { atMs, latencyMs: o.recordedTimeoutMs ?? 10_000, outcome: 'timeout' } : { atMs, latencyMs: o.outage!.failureLatencyMs, outcome: 'failure' });
    } else {
      calls.push({ atMs, latencyMs: (o.medianMs ?? 50) * Math.exp((o.sigma ?? 0.5) * gaussian()), outcome: 'success' });
    }
  }
  return { calls };
}
