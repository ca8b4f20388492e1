/**
 * The limiter contract shared by `limits/` (which implements it) and the `rateLimit` policy
 * (which consumes it). It lives in core so neither layer imports the other.
 */

export interface Decision {
  /** Whether the call was admitted (and its cost charged). */
  allowed: boolean;
  /** Capacity left after this decision, in cost units. */
  remaining: number;
  /** When not allowed: how long until the same cost would be admitted. 0 when allowed. */
  retryAfterMs: number;
}

export interface AcquireOptions {
  /** Aborting it leaves the queue at once with AbortedError. */
  signal?: AbortSignal;
  /** Give up with RateLimitedError rather than wait longer than this. */
  maxWaitMs?: number;
  /** Lower numbers go first; FIFO within one priority. */
  priority?: number;
}

export interface Limiter {
  /** Decides now: charges `cost` (default 1) to `key` if it fits. */
  consume(key: string, cost?: number): Promise<Decision>;
  /** Waits until `cost` fits under `key`, then charges it. */
  acquire(key: string, cost?: number, options?: AcquireOptions): Promise<void>;
}
