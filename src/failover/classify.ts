/**
 * The default `classify`: what a thrown error says about the endpoint that threw it, read through
 * the toolkit's error taxonomy (so ccxt, Node, undici and HTTP statuses are understood the same way
 * as everywhere else in Bulwark).
 */
import { ExecutionRejectedError } from '../core/errors.js';
import { classifyError, hasErrorName } from '../core/taxonomy.js';
import type { CallOutcome } from './types.js';

/**
 * - the caller aborted (AbortError, the toolkit's AbortedError): `neutral`, not the endpoint's doing;
 * - a refusal of the toolkit's own inside the call (an open breaker, a full bulkhead, a local rate
 *   limit): `neutral`, nothing reached the endpoint (the failures that opened a breaker were
 *   recorded when they happened);
 * - a timeout, a network error (refused, reset, DNS), an HTTP 5xx: `gateway`;
 * - the exchange refused the request for good (insufficient funds, invalid order): `success`, the
 *   endpoint answered, and correctly;
 * - an invalid request (HTTP 4xx, a validation error): `neutral`, the same request fails everywhere;
 * - a rate limit (HTTP 429, ccxt's RateLimitExceeded / DDoSProtection): `neutral`, the caller's own
 *   excess (an exchange counts it per account or IP, not per host), and ejecting hosts for it would
 *   put the same excess on fewer of them;
 * - anything else (auth, storage, unknown errors): `failure`.
 */
export function classifyOutcome(error: unknown): CallOutcome {
  if (hasErrorName(error, 'AbortError', 'AbortedError')) return 'neutral';
  if (ExecutionRejectedError.is(error)) return 'neutral';
  switch (classifyError(error).category) {
    case 'timeout':
    case 'network':
      return 'gateway';
    case 'exchange':
      return 'success';
    case 'validation':
    case 'rate-limit':
      return 'neutral';
    default:
      return 'failure';
  }
}
