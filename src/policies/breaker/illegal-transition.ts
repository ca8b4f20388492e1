/** The error `transitionTo(state)` throws for a move the breaker does not make by hand. */
import { ResilienceError } from '../../core/errors.js';
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
 * A programming error, like a bad option (code `ILLEGAL_TRANSITION`, never retried); not a refusal:
 * no call was turned away. Branded like every toolkit error, so `IllegalTransitionError.is(x)`
 * works across two installed copies of the package.
 */
export class IllegalTransitionError extends ResilienceError {
  declare readonly code: 'ILLEGAL_TRANSITION';
  constructor(
    readonly from: CircuitStateName,
    readonly to: CircuitStateName,
    breaker?: string,
  ) {
    super('ILLEGAL_TRANSITION', `circuitBreaker${breaker === undefined ? '' : ` "${breaker}"`}: cannot go from ${from} to ${to} by transitionTo(); ${hint(from, to)}`);
  }
}
