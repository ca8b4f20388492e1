/**
 * An outside say over half-open trials: before a half-open breaker lets a trial call through it
 * asks `acquire()`, and calls `release()` once for every granted trial when that call settles
 * (whatever its outcome, even after the state moved on). Several breakers, in one process or in
 * many, can so share one trial budget (see `shareBreaker` in `bulwark/fleet`).
 */
export interface TrialPermit {
  /** True lets one trial call through; false rejects the call as when every trial slot is taken. */
  acquire(): boolean;
  /** The granted trial call settled. */
  release(): void;
}
