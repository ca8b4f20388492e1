import type { Clock } from '../../core/clock.js';
import type { Decision } from '../../core/limiter.js';
import type { Algorithm, Grant } from '../algorithm.js';

/**
 * Where a limiter's state lives. A store binds to one algorithm (with its parameters) and
 * answers decisions for any key. The memory store decides synchronously in this process; the
 * Redis store runs the algorithm's Lua script, one round trip per decision.
 */
export interface LimiterStore {
  /** Short name for messages and metrics ('memory', 'redis'). */
  readonly kind: string;
  bind(algorithm: Algorithm, clock: Clock): BoundStore;
}

/** A store bound to one algorithm. */
export interface BoundStore {
  /** The synchronous decision, present when the state lives in this process. */
  readonly tryConsume?: (key: string, cost: number) => Decision;
  /** Charges `cost` to `key` if it fits. */
  consume(key: string, cost: number): Promise<Decision>;
  /** Charges between `min` and `want` units, to be spent within the grant's `validForMs`. */
  reserve(key: string, want: number, min: number, leaseMs: number): Promise<Grant>;
  /** Gives back units of a reservation that were not spent. */
  release(key: string, units: number, stamp: number): Promise<void>;
}
