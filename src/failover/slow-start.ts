/**
 * Slow start, after Envoy's: an endpoint back in service (from ejection, ill health or a drain)
 * takes a growing share instead of its full share at once, so a host that just restarted warms its
 * caches and connections before it is loaded. Its weight factor over the window is
 * max(minWeightShare, (t / windowMs) ^ (1 / aggression)): linear with aggression 1, faster early
 * above 1. The pickers read the effective weight (weight x factor); the factor is refreshed in
 * steps of a twentieth of the window, so picks never compute it.
 */
import type { EndpointRecord } from './endpoint-record.js';
import type { ResolvedSlowStart } from './options.js';

/** Refreshes per window: fine enough that the ramp looks smooth, rare enough to cost nothing. */
const STEPS = 20;

export class SlowStart<T> {
  constructor(private readonly options: ResolvedSlowStart) {}

  get windowMs(): number {
    return this.options.windowMs;
  }

  /** The weight factor `elapsedMs` into the window (1 once it is over). */
  factorAt(elapsedMs: number): number {
    const { windowMs, aggression, minWeightShare } = this.options;
    if (elapsedMs >= windowMs) return 1;
    return Math.max(minWeightShare, (Math.max(elapsedMs, 0) / windowMs) ** (1 / aggression));
  }

  /** Sets the endpoint's weight factor for `now`; true when its window is over. */
  refresh(e: EndpointRecord<T>, now: number): boolean {
    const factor = this.factorAt(now - e.warmingSince);
    e.weightFactor = factor;
    e.effectiveWeight = e.weight * factor;
    return now - e.warmingSince >= this.options.windowMs;
  }

  /** When the endpoint's factor is next refreshed. */
  nextRefresh(e: EndpointRecord<T>, now: number): number {
    const end = e.warmingSince + this.options.windowMs;
    return Math.min(end, Math.max(now, e.warmingSince) + this.options.windowMs / STEPS);
  }
}
