/** Telling the caller's own abort (never the dependency's fault) from a failure. */
import type { Context } from '../../core/context.js';
import { AbortedError, TimeoutError } from '../../core/errors.js';

/**
 * Whether `error` is the caller giving up rather than the dependency failing: the call's signal
 * aborted (not by a timeout) and the error is that abort. A TimeoutError always counts.
 */
export function isCallerAbort(error: unknown, ctx: Context): boolean {
  if (!ctx.aborted || error instanceof TimeoutError) return false;
  const reason: unknown = ctx.signal.reason;
  if (reason instanceof TimeoutError) return false;
  return error === reason || error instanceof AbortedError || (error instanceof Error && error.name === 'AbortError');
}
