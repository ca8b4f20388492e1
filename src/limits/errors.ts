import { ExecutionRejectedError } from '../core/errors.js';

/**
 * A shared limiter store (Redis) could not be reached and no insurance limiter was configured,
 * so the limiter fails closed: the call is not admitted. `cause` holds the store's error.
 */
export class LimiterUnavailableError extends ExecutionRejectedError {
  declare readonly code: 'LIMITER_UNAVAILABLE';
  constructor(message: string, cause?: unknown) {
    super('LIMITER_UNAVAILABLE', message, cause === undefined ? undefined : { cause });
  }
}
