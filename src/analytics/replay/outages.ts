/**
 * Outage windows of a trace: the trace is cut into windows of `windowMs` (aligned on multiples of
 * it); a window whose observed calls failed (failures and timeouts) at `failureRatio` or more is
 * an outage, and adjacent outage windows merge into one.
 */
import type { OutageWindow, TraceCall } from './types.js';

export class OutageMap {
  readonly windows: OutageWindow[] = [];
  private readonly flagged: Uint8Array;
  private readonly baseMs: number;

  constructor(
    calls: readonly TraceCall[],
    private readonly windowMs: number,
    failureRatio: number,
  ) {
    this.baseMs = calls.length > 0 ? Math.floor(calls[0]!.atMs / windowMs) * windowMs : 0;
    const size = calls.length > 0 ? Math.floor((calls.at(-1)!.atMs - this.baseMs) / windowMs) + 1 : 0;
    const total = new Uint32Array(size);
    const failed = new Uint32Array(size);
    for (const call of calls) {
      if (call.observed === false) continue;
      const index = Math.floor((call.atMs - this.baseMs) / windowMs);
      total[index]!++;
      if (call.outcome !== 'success') failed[index]!++;
    }
    this.flagged = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      if (total[i]! === 0 || failed[i]! / total[i]! < failureRatio) continue;
      this.flagged[i] = 1;
      const fromMs = this.baseMs + i * windowMs;
      const last = this.windows.at(-1);
      if (last && last.toMs === fromMs) last.toMs = fromMs + windowMs;
      else this.windows.push({ fromMs, toMs: fromMs + windowMs });
    }
  }

  /** Whether time `atMs` falls in an outage window. */
  covers(atMs: number): boolean {
    const index = Math.floor((atMs - this.baseMs) / this.windowMs);
    return index >= 0 && index < this.flagged.length && this.flagged[index] === 1;
  }
}
