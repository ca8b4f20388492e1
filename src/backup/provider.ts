/**
 * A state provider: any component whose in-memory state belongs in a backup (a breaker's
 * snapshot, a journal cursor, a limiter's counters). `snapshot()` must return JSON-safe data;
 * `restore()` receives what a snapshot returned.
 */
export interface StateProvider {
  snapshot(): Promise<unknown>;
  restore(state: unknown): Promise<void>;
}

/** What backup and restore report while they run; `doneBytes` grows to `totalBytes`. */
export interface BackupProgress {
  operation: 'create' | 'restore';
  id: string;
  doneBytes: number;
  totalBytes: number;
  doneFiles: number;
  totalFiles: number;
  /** The file being copied (its origin path, or `provider:<name>`). */
  current: string;
}

export const providerOrigin = (name: string): string => `provider:${name}`;

/** A provider name as a file name: letters, digits, `.`, `_` and `-` only. */
export const providerNamePattern = /^[A-Za-z0-9._-]{1,100}$/;
