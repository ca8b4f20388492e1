/**
 * The default `classify`: what a thrown error says about the endpoint that threw it, from the
 * toolkit's error taxonomy (so ccxt, Node, undici and HTTP statuses are read the same way as
 * everywhere else in Bulwark).
 */
import { hasErrorName } from '../core/taxonomy.js';
import { classifyError } from '../core/taxonomy.js';
import type { CallOutcome } from './types.js';

/**
 * - the caller aborted (AbortError, the toolkit's AbortedError): `neutral`, not the endpoint's doing;
 * - a timeout, a network error (refused, reset, DNS), an HTTP 5xx: `gateway`;
 * - the exchange refused the request for good (insufficient funds, invalid order): `success`, the
 *   endpoint answered, and correctly;
 * - an invalid request (HTTP 4xx, a validation error): `neutral`, the same request fails everywhere;
 * - anything else (auth, rate limit, unknown errors): `failure`.
 */
export function classifyOutcome(error: unknown): CallOutcome {
  if (hasErrorName(error, 'AbortError', 'AbortedError')) return 'neutral';
  switch (classifyError(error).category) {
    case 'timeout':
    case 'network':
      return 'gateway';
    case 'exchange':
      return 'success';
    case 'validation':
      return 'neutral';
    default:
      return 'failure';
  }
}
