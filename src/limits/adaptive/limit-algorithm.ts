/**
 * How an adaptive concurrency limiter learns its limit: after every call it reports one sample
 * and the algorithm answers with the new limit. AIMD and Gradient2 follow Netflix's
 * concurrency-limits library; any object of this shape can be plugged in instead.
 */

export interface LimitSample {
  /** How long the call took, in ms. */
  rttMs: number;
  /** Calls in flight when this one started (itself included). */
  inflight: number;
  /** True when the call showed overload: a timeout, a rate-limit answer, a shed request. */
  dropped: boolean;
}

export interface LimitAlgorithm {
  /** The current limit (a whole number >= 1). */
  readonly limit: number;
  /** Learns from one finished call; returns the new limit. */
  onSample(sample: LimitSample): number;
}
