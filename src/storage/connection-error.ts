/** Whether an error means the database could not be reached (rather than that it refused a statement). */

/** Node socket errors and PostgreSQL's connection-exception and shutdown SQLSTATEs. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
]);
const unavailableMessage = /connection terminated|connection error|timeout exceeded when trying to connect|connection (is )?(closed|ended)|not queryable|Connection refused/i;

/** The default test for an unreachable primary. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && unavailableMessage.test(message);
}
