/** One bucket of one dependency: outcome counts and the latency of successful and failed calls. */
import { type OutcomeCounts, addCounts, zeroCounts } from './outcomes.js';
import { type LatencySketch, type SketchOptions, mergeSketch, newSketch } from './latency-sketch.js';

export interface Cell {
  counts: OutcomeCounts;
  /** Durations of successful calls (ms). */
  successLatency: LatencySketch;
  /** Durations of failed calls, timeouts included (ms); refusals have none. */
  failureLatency: LatencySketch;
}

export function newCell(options: Required<SketchOptions>): Cell {
  return { counts: zeroCounts(), successLatency: newSketch(options), failureLatency: newSketch(options) };
}

export function mergeCell(into: Cell, from: Cell): void {
  addCounts(into.counts, from.counts);
  mergeSketch(into.successLatency, from.successLatency);
  mergeSketch(into.failureLatency, from.failureLatency);
}
