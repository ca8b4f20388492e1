/**
 * `p2c`: power of two choices on peak EWMA (Finagle's). Two distinct candidates are drawn at
 * random and the cheaper one is taken, where cost = latency EWMA x (calls in flight + 1), divided
 * by the endpoint's effective weight (so a warming endpoint looks dearer). The EWMA jumps at once
 * to a slower sample (the peak) and decays towards faster ones with time constant
 * `latencyDecayMs`; read at pick time it also decays towards 0, so an endpoint that stopped
 * getting calls because it was slow is tried again after a while. Two known costs are compared
 * without the clock: both decay by the same factor from now, so only the gap between their samples'
 * times counts (one `Math.exp` per pick). `now` (the group's latest clock reading, see
 * failover-group.ts) only matters against an endpoint with no sample yet. An endpoint with no sample yet
 * costs 0 while it has nothing in flight, and a large penalty once it has (Finagle's probe): a new
 * endpoint gets one call at a time until its first answer.
 */
import type { EndpointRecord } from '../endpoint-record.js';
import type { RoutingPlan } from '../routing-plan.js';
import type { Picker } from './picker.js';

/** Finagle's penalty for an endpoint with calls in flight and no latency known yet. */
const PENALTY = 1e9;

/** Updates an endpoint's peak EWMA with one call's latency. */
export function observeLatency(e: { latencyMs: number; latencyAt: number }, sampleMs: number, now: number, decayMs: number): void {
  if (Number.isNaN(e.latencyMs) || sampleMs > e.latencyMs) {
    e.latencyMs = sampleMs;
  } else {
    const w = Math.exp(-Math.max(0, now - e.latencyAt) / decayMs);
    e.latencyMs = e.latencyMs * w + sampleMs * (1 - w);
  }
  e.latencyAt = now;
}

export class P2cPicker<T> implements Picker<T> {
  private candidates: ReadonlyArray<EndpointRecord<T>> = [];

  constructor(
    private readonly random: () => number,
    private readonly decayMs: number,
  ) {}

  reset(plan: RoutingPlan<T>): void {
    this.candidates = plan.all;
  }

  cost(e: EndpointRecord<T>, now: number): number {
    const latency = e.latencyMs;
    if (Number.isNaN(latency)) return e.inFlight === 0 ? 0 : (PENALTY + e.inFlight) / e.effectiveWeight;
    const decayed = latency * Math.exp(-Math.max(0, now - e.latencyAt) / this.decayMs);
    return (decayed * (e.inFlight + 1)) / e.effectiveWeight;
  }

  pick(now: number): EndpointRecord<T> {
    return this.choose(this.candidates, now);
  }

  pickAmong(candidates: ReadonlyArray<EndpointRecord<T>>, now: number): EndpointRecord<T> {
    return this.choose(candidates, now);
  }

  private choose(candidates: ReadonlyArray<EndpointRecord<T>>, now: number): EndpointRecord<T> {
    const n = candidates.length;
    if (n === 1) return candidates[0]!;
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    if (Number.isNaN(a.latencyMs) || Number.isNaN(b.latencyMs)) return this.cost(b, now) < this.cost(a, now) ? b : a;
    // Both costs decay by e^(-(now - t) / decay) from their own sample's time t: dividing both by
    // a's factor leaves one exponential, of the gap between the two samples, and no clock at all.
    const costA = (a.latencyMs * (a.inFlight + 1)) / a.effectiveWeight;
    const costB = ((b.latencyMs * (b.inFlight + 1)) / b.effectiveWeight) * Math.exp((b.latencyAt - a.latencyAt) / this.decayMs);
    return costB < costA ? b : a;
  }
}
