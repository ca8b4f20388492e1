/**
 * A health check as `bulwark/health` registers it, declared by shape: mechanisms below the
 * operations layer (cache, pools) offer ready-made checks without importing health/.
 */

/** What a check returns: a status out of `S`, and optionally a message and JSON-safe details. */
export interface CheckResultLike<S extends string> {
  status: S;
  message?: string;
  details?: Record<string, unknown>;
}

/** A check definition whose `check()` returns `R` (a result, or a promise of one). */
export interface HealthCheckLike<R> {
  name: string;
  group: string;
  component: string;
  measurement: string;
  critical: boolean;
  tags: readonly string[];
  check: () => R;
}
