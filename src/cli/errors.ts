/**
 * One error line per failed command: `bulwark <command>: <message>`. Messages from below the CLI
 * that already start with a `bulwark ...:` prefix (a data folder lock names its holder's
 * command) keep only the command's own prefix, so the line never reads `bulwark start: bulwark
 * start: ...`.
 */

import { sanitizeText } from '../core/secrets.js';

const LEADING_PREFIX = /^(?:bulwark(?: [a-z][a-z-]*)*: )+/;

export function messageOf(error: unknown): string {
  return sanitizeText(error instanceof Error ? error.message : String(error));
}

/** The line printed on stderr for `error` raised by `commandPath` (e.g. `backup create`). */
export function cliErrorLine(commandPath: string, error: unknown): string {
  const prefix = commandPath === '' ? 'bulwark' : `bulwark ${commandPath}`;
  return `${prefix}: ${messageOf(error).replace(LEADING_PREFIX, '')}`;
}
