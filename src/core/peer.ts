/**
 * Loads an optional peer dependency (better-sqlite3, pg, ioredis, ...) the first time a feature
 * needs it, not when a module of ours is imported. A user who wants only the policies installs no
 * database driver and no native module; a user who opens a SQLite store without better-sqlite3
 * gets an error naming the package to install, not a stack trace from the module loader.
 *
 * The peers are CommonJS packages, so a synchronous `require` from this file resolves them exactly
 * as a static import would (from the user's node_modules) and keeps the callers synchronous.
 */
import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/** An optional peer dependency a feature needs is not installed. `code` is Node's own `MODULE_NOT_FOUND`. */
export class MissingPeerError extends Error {
  readonly code = 'MODULE_NOT_FOUND';
  /** The npm package to install. */
  readonly peer: string;
  constructor(peer: string, feature: string, cause: unknown) {
    super(`${feature} needs the optional peer dependency '${peer}': install it with \`npm install ${peer}\``, { cause });
    this.name = 'MissingPeerError';
    this.peer = peer;
  }
}

/**
 * Returns the module `peer` (its CommonJS `module.exports`), loading it on the first call.
 * `feature` names what needs it, for the error when it is missing (e.g. `'sqliteStorage'`).
 */
export function loadPeer<T>(peer: string, feature: string): T {
  if (loaded.has(peer)) return loaded.get(peer) as T;
  let module: unknown;
  try {
    module = requireFromHere(peer);
  } catch (error) {
    if (isNotFound(error, peer)) throw new MissingPeerError(peer, feature, error);
    throw error;
  }
  loaded.set(peer, module);
  return module as T;
}

/** True when the peer itself is missing (not when the peer is there but one of its own imports fails). */
function isNotFound(error: unknown, peer: string): boolean {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${peer}'`);
}
