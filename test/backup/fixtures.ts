/** Shared helpers for the backup tests: temp folders, a tree hash, a seeded random source, a one-table SQLite database. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';

/** A fresh temp folder per call, removed after the test. */
export function tempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-backup-'));
    made.push(dir);
    return dir;
  };
}

/** Creates a WAL-mode SQLite database at `path` with one table `t (v TEXT)` holding `value`. */
export function walDatabase(path: string, value: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('${value}')`);
  db.close();
}

/** Runs `sql` on the database at `path` on a connection of its own. */
export function execOn(path: string, sql: string): void {
  const db = new Database(path);
  db.exec(sql);
  db.close();
}

/** The values in table `t` of the database at `path`, sorted. */
export function dbValues(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: string }>).map((r) => r.v);
  } finally {
    db.close();
  }
}

export async function put(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** SHA-256 over every path (files, folders, their kinds) and file content under `root`. */
export async function treeHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const stats = await lstat(full);
      hash.update(`${relative(root, full)}\0${stats.isDirectory() ? 'd' : 'f'}\0`);
      if (stats.isDirectory()) await visit(full);
      else hash.update(await readFile(full));
    }
  };
  await visit(root);
  return hash.digest('hex');
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export { seededRandom as seeded } from '../../src/core/random.js';

export const START = Date.parse('2026-01-01T00:00:00.000Z');
