/** The failover group's refusal: no endpoint may take the call. */
import { ExecutionRejectedError } from '../core/errors.js';

/**
 * Every endpoint of the group is drained (or the forced priority level has none left): the call
 * was not sent anywhere, so it is safe to send again once an operator undrains one.
 */
export class NoEndpointError extends ExecutionRejectedError {
  declare readonly code: 'NO_ENDPOINT';
  /** The group that refused. */
  readonly group: string;
  constructor(group: string, message = `failover group "${group}" has no endpoint to route to: every endpoint is drained`) {
    super('NO_ENDPOINT', message);
    this.group = group;
  }
}
