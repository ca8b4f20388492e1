/**
 * File helpers for backup and restore: streaming SHA-256, copy-while-hashing, and a sorted
 * recursive walk. Everything streams, so a large file never sits in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface HashedFile {
  bytes: number;
  sha256: string;
}

/** SHA-256 and size of a file, read as a stream. */
export async function hashFile(path: string): Promise<HashedFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    hash.update(buffer);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Copies `from` to `to` (created or truncated) and returns the SHA-256 of the bytes written.
 * `onBytes` is told how many bytes each chunk carried, for progress. The copy is flushed to disk.
 */
export async function copyHashed(from: string, to: string, onBytes?: (n: number) => void): Promise<HashedFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      hash.update(chunk);
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flush: true }));
  return { bytes, sha256: hash.digest('hex') };
}

/** Every regular file under `root`, as paths relative to it with forward slashes, sorted. */
export async function walkFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile()) found.push(relative(root, full).split(sep).join('/'));
      // Symbolic links, sockets and devices are not backed up: they are not data.
    }
  };
  await visit(root);
  return found.sort();
}

/** The file's kind, or undefined when nothing is there (or a parent is not a directory). */
export async function kindOf(path: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const stats = await lstat(path);
    if (stats.isFile()) return 'file';
    if (stats.isDirectory()) return 'directory';
    return 'other';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
