/**
 * What a request's failure says about the exchange host it went to (a failover group's
 * `CallOutcome`), and whether a failed request surely never left.
 *
 * - `gateway`: the host's fault: a timeout, a refused or reset connection, a 5xx (ccxt's
 *   RequestTimeout, NetworkError, ExchangeNotAvailable);
 * - `neutral`: says nothing about the host: a 429/418 is counted per account or IP across every host
 *   (DDoSProtection, RateLimitExceeded), maintenance is the whole exchange's (OnMaintenance), a bad
 *   timestamp is our clock's (InvalidNonce), and our own refusals (an open breaker, an abort);
 * - `success`: the host answered, even with a business refusal (the ExchangeError family:
 *   InsufficientFunds, InvalidOrder, OrderNotFound, AuthenticationError...);
 * - `failure`: the host answered garbage (BadResponse) or failed in a way ccxt does not know.
 *
 * ccxt errors are recognised by class name (core/taxonomy.ts), as everywhere in trading/.
 */
import { isResilienceError, messageOf } from '../core/errors.js';
import { hasErrorName } from '../core/taxonomy.js';
import type { CallOutcome } from '../failover/types.js';

/** The failover outcome of a request that threw `error`. */
export function endpointOutcome(error: unknown): CallOutcome {
  if (isResilienceError(error)) return 'neutral';
  if (hasErrorName(error, 'DDoSProtection', 'RateLimitExceeded', 'OnMaintenance', 'InvalidNonce')) return 'neutral';
  if (hasErrorName(error, 'NetworkError')) return 'gateway';
  if (hasErrorName(error, 'ExchangeError')) return 'success';
  // A transport failure outside ccxt (a fetch of our own, a proxy) looks like this.
  if (error instanceof TypeError && /fetch failed|network|socket/i.test(error.message)) return 'gateway';
  if (error instanceof Error && error.name === 'AbortError') return 'neutral';
  return 'failure';
}

/** Connection refused or the host name unknown: no byte of the request reached any server. */
const NEVER_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\b/;

/**
 * Whether the request surely never left (the connection was refused, the name did not resolve): the
 * only failure after which an order may go to another endpoint. A timeout, a reset or a 5xx may
 * come after the exchange acted on it.
 */
export function neverSent(error: unknown): boolean {
  if (!hasErrorName(error, 'NetworkError') && !(error instanceof TypeError)) return false;
  if (hasErrorName(error, 'RequestTimeout', 'ExchangeNotAvailable')) return false;
  const cause = (error as { cause?: unknown }).cause;
  return NEVER_SENT.test(messageOf(error)) || (cause !== undefined && NEVER_SENT.test(messageOf(cause)));
}
