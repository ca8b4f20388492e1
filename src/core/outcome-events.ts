/**
 * The `success` and `failure` events every policy emits, with the call's duration, as the
 * breaker does. Measuring costs nothing while nobody listens: no clock read, no extra `.then`.
 */
import type { Clock } from './clock.js';
import type { Emitter } from './events.js';

/** A call through the policy succeeded. */
export interface SuccessEvent {
  /** How long the call took, in clock milliseconds. */
  durationMs: number;
}

/** A call through the policy failed: `error` is what the caller gets. */
export interface FailureEvent {
  error: unknown;
  durationMs: number;
}

/** The two events, to extend a policy's events with. */
export interface OutcomeEvents {
  success: SuccessEvent;
  failure: FailureEvent;
}

/** Runs `call` and, when someone listens, reports its outcome and duration on `events`. */
export function reportOutcome<T, E extends OutcomeEvents>(events: Emitter<E>, clock: Clock, call: () => Promise<T>): Promise<T> {
  if (!events.has('success') && !events.has('failure')) return call();
  const outcomes = events as unknown as Emitter<OutcomeEvents>;
  const startedAt = clock.now();
  return call().then(
    (value) => {
      outcomes.emit('success', { durationMs: clock.now() - startedAt });
      return value;
    },
    (error: unknown) => {
      outcomes.emit('failure', { error, durationMs: clock.now() - startedAt });
      throw error;
    },
  );
}
