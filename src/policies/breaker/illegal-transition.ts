/** The error `transitionTo(state)` throws for a move the breaker does not make by hand. */
import type { CircuitStateName } from './state-machine.js';

/** What to do instead of an illegal move, when there is a better way. */
function hint(from: CircuitStateName, to: CircuitStateName): string {
  if (from === to) return `it is already ${to}`;
  if (from === 'isolated') return 'release its isolation handles, or call reset()';
  if (to === 'isolated') return 'use isolate(), which returns the handle that releases it';
  if (to === 'half-open') return 'only an open breaker can be moved to half-open';
  return 'see the transitions in docs/circuit-breaker.md';
}

/**
 * A transition asked of `transitionTo` that the breaker does not make: to the state it is in,
 * out of or into `isolated` (which has its own handles), or to half-open from anything but open.
 * A programming error, like a bad option: it carries no resilience error code.
 */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly from: CircuitStateName,
    readonly to: CircuitStateName,
    breaker?: string,
  ) {
    super(`circuitBreaker${breaker === undefined ? '' : ` "${breaker}"`}: cannot go from ${from} to ${to} by transitionTo(); ${hint(from, to)}`);
  }
}
