/** Shared helpers for the backup tests: temp folders, a tree hash, a seeded random source. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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
