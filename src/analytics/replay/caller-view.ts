/** The callers' view of a set of replayed calls: how many ended well, and their latency percentiles. */
import type { CallerView } from './types.js';

/** The value at rank floor(q x (n - 1)) of ascending `sorted` (the sketches' rank rule); NaN when empty. */
export function rankValue(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.floor(q * (sorted.length - 1))]!;
}

export function callerView(latenciesMs: number[], succeeded: number): CallerView {
  const sorted = Float64Array.from(latenciesMs).sort();
  return { calls: sorted.length, succeeded, failed: sorted.length - succeeded, p50Ms: rankValue(sorted, 0.5), p99Ms: rankValue(sorted, 0.99) };
}
