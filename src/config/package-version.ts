/**
 * The installed package's version, read from its package.json (two folders up from this file in
 * both src/ and dist/). The CLI's `--version`, the OpenAPI document and a fleet member's record
 * report it.
 */
import { createRequire } from 'node:module';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  try {
    cached = (createRequire(import.meta.url)('../../package.json') as { version?: unknown }).version as string | undefined;
  } catch {
    cached = undefined;
  }
  cached = typeof cached === 'string' && cached !== '' ? cached : 'unknown';
  return cached;
}
