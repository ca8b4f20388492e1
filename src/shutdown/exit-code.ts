import { constants } from 'node:os';

/** Why the process is stopping. */
export type ShutdownReason = { signal: NodeJS.Signals } | { error: unknown } | { code: number };

/**
 * The exit code for a reason: 128 + the signal's number (SIGINT 130, SIGTERM 143, SIGBREAK 149),
 * 1 for an error, or the explicit code.
 */
export function exitCodeFor(reason: ShutdownReason): number {
  if ('signal' in reason) {
    const number = (constants.signals as Record<string, number | undefined>)[reason.signal] ?? (reason.signal === 'SIGBREAK' ? 21 : undefined);
    return number === undefined ? 1 : 128 + number;
  }
  if ('error' in reason) return 1;
  return reason.code;
}

export function describeReason(reason: ShutdownReason): string {
  if ('signal' in reason) return reason.signal;
  if ('error' in reason) return `error: ${reason.error instanceof Error ? reason.error.message : String(reason.error)}`;
  return `exit code ${reason.code}`;
}
