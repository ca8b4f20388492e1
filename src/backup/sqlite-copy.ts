/**
 * SQLite databases are copied with SQLite's online backup API (through better-sqlite3), never by
 * copying the raw file: a live database in WAL mode keeps committed pages in its -wal file, and
 * a raw copy of the main file (with or without a stale -wal/-shm next to it) is inconsistent.
 * The backup API reads one consistent snapshot while writers carry on.
 */
import type BetterSqlite from 'better-sqlite3';
import { loadPeer } from '../core/peer.js';

/** better-sqlite3, loaded on the first SQLite backup or restore (an optional peer dependency). */
const sqlite = (): typeof BetterSqlite => loadPeer<typeof BetterSqlite>('better-sqlite3', 'SQLite backups');

/** Pages copied per step; 256 pages (1 MiB at 4 KiB pages) lets writers in between steps. */
const PAGES_PER_STEP = 256;

/**
 * Copies the live database at `source` into a new single-file database at `dest`. The copy is
 * switched to rollback-journal mode, so it is self-contained: no -wal or -shm file belongs to it,
 * and opening it read-only never changes its bytes (its checksum stays valid).
 */
export async function backupSqlite(source: string, dest: string): Promise<void> {
  const db = new (sqlite())(source, { fileMustExist: true });
  try {
    await db.backup(dest, { progress: () => PAGES_PER_STEP });
  } finally {
    db.close();
  }
  const copy = new (sqlite())(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/**
 * Writes the database file `from` into the database at `target` through the backup API. SQLite
 * replaces the target's content in one transaction, so open connections to the target see
 * either the old content or the new, and the target keeps its own journal mode (WAL stays WAL).
 */
export async function restoreSqlite(from: string, target: string): Promise<void> {
  const db = new (sqlite())(from, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target, { progress: () => PAGES_PER_STEP });
  } finally {
    db.close();
  }
}
