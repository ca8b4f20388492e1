/**
 * Creating one backup: copy every source into `<dir>/<id>/`, hash each file as it is written,
 * and record it all in the manifest. The manifest is written first with status `in-progress`,
 * then rewritten `complete` (or `failed`, with the reason) at the end.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Clock } from '../core/clock.js';
import { BackupError } from './errors.js';
import { copyHashed, hashFile, kindOf, walkFiles } from './files.js';
import {
  type BackupFileEntry,
  type BackupManifest,
  type BackupType,
  type SourceKind,
  MANIFEST_FORMAT,
  kindsOfType,
  writeManifest,
} from './manifest.js';
import { type BackupProgress, type StateProvider, providerOrigin } from './provider.js';
import { signManifest } from './manifest-signature.js';
import { backupSqlite } from './sqlite-copy.js';

export interface BackupSources {
  configFiles: readonly string[];
  dataPaths: readonly string[];
  sqliteDatabases: readonly string[];
  providers: ReadonlyMap<string, StateProvider>;
}

export interface CreateRequest {
  id: string;
  /** The backup root; this backup goes in `<root>/<id>/`. */
  root: string;
  type: BackupType;
  tags: string[];
  description: string;
  clock: Clock;
  onProgress: (progress: BackupProgress) => void;
  /** Signs the manifest (manifest-signature.ts) each time it is written; unsigned without one. */
  manifestKey?: Buffer;
  /** The id of the service key `manifestKey` comes from, written into the manifest (and signed with it). */
  manifestKeyId?: string;
}

/** One thing to copy: a file (with a size known up front) or a provider's state. */
interface Item {
  kind: SourceKind;
  origin: string;
  /** Path inside the backup folder. */
  path: string;
  size: number;
  provider?: StateProvider;
}

const isInside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/** Lists what a backup of `type` will copy. Every configured path must exist. */
async function collect(type: BackupType, sources: BackupSources, root: string): Promise<Item[]> {
  const kinds = new Set(kindsOfType[type]);
  const items: Item[] = [];
  const backupRoot = resolve(root);
  const requireKind = async (path: string, option: string, allowed: ReadonlyArray<'file' | 'directory'>): Promise<'file' | 'directory'> => {
    const kind = await kindOf(path);
    if (kind === 'file' || kind === 'directory') {
      if (allowed.includes(kind)) return kind;
    }
    const found = kind === undefined ? 'nothing is there' : `it is ${kind === 'other' ? 'not a regular file' : `a ${kind}`}`;
    throw new BackupError('BACKUP_FAILED', `${option}: ${path} must be ${allowed.join(' or ')}, but ${found}`);
  };

  if (kinds.has('config')) {
    for (const [i, raw] of sources.configFiles.entries()) {
      const origin = resolve(raw);
      await requireKind(origin, `configFiles[${i}]`, ['file']);
      items.push({ kind: 'config', origin, path: `config/${i}/${basename(origin)}`, size: await fileSize(origin) });
    }
  }
  if (kinds.has('data')) {
    for (const [i, raw] of sources.dataPaths.entries()) {
      const origin = resolve(raw);
      const kind = await requireKind(origin, `dataPaths[${i}]`, ['file', 'directory']);
      if (kind === 'file') {
        items.push({ kind: 'data', origin, path: `data/${i}/${basename(origin)}`, size: await fileSize(origin) });
        continue;
      }
      for (const rel of await walkFiles(origin)) {
        const full = join(origin, ...rel.split('/'));
        // A data directory that holds the backups themselves must not back them up again.
        if (isInside(full, backupRoot)) continue;
        items.push({ kind: 'data', origin: full, path: `data/${i}/${rel}`, size: await fileSize(full) });
      }
    }
  }
  if (kinds.has('sqlite')) {
    for (const [i, raw] of sources.sqliteDatabases.entries()) {
      const origin = resolve(raw);
      await requireKind(origin, `sqliteDatabases[${i}]`, ['file']);
      items.push({ kind: 'sqlite', origin, path: `sqlite/${i}/${basename(origin)}`, size: await fileSize(origin) });
    }
  }
  if (kinds.has('state')) {
    for (const [name, provider] of [...sources.providers].sort(([a], [b]) => a.localeCompare(b))) {
      items.push({ kind: 'state', origin: providerOrigin(name), path: `state/${name}.json`, size: 0, provider });
    }
  }
  return items;
}

async function copyItem(item: Item, folder: string, onBytes: (n: number) => void): Promise<BackupFileEntry> {
  const dest = join(folder, ...item.path.split('/'));
  await mkdir(dirname(dest), { recursive: true });
  let hashed;
  if (item.provider) {
    const state = await item.provider.snapshot();
    const text = JSON.stringify(state);
    if (text === undefined) throw new TypeError(`${item.origin}: snapshot() returned ${String(state)}, which is not JSON`);
    await writeFile(dest, text, { flush: true });
    hashed = await hashFile(dest);
    onBytes(hashed.bytes);
  } else if (item.kind === 'sqlite') {
    await backupSqlite(item.origin, dest);
    hashed = await hashFile(dest);
    onBytes(item.size);
  } else {
    hashed = await copyHashed(item.origin, dest, onBytes);
  }
  return { kind: item.kind, path: item.path, origin: item.origin, bytes: hashed.bytes, sha256: hashed.sha256 };
}

/** Creates the backup and returns its complete manifest; on failure records it as `failed` and throws. */
export async function createBackup(request: CreateRequest, sources: BackupSources): Promise<BackupManifest> {
  const { id, root, clock, manifestKey } = request;
  const folder = join(root, id);
  const writeSigned = async (): Promise<void> => {
    if (manifestKey) manifest.signature = signManifest(manifest, manifestKey);
    await writeManifest(folder, manifest);
  };
  await mkdir(folder, { recursive: true });
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    id,
    type: request.type,
    status: 'in-progress',
    tags: request.tags,
    description: request.description,
    createdAt: new Date(clock.now()).toISOString(),
    fileCount: 0,
    bytes: 0,
    files: [],
    providers: [],
    ...(manifestKey && request.manifestKeyId !== undefined ? { keyId: request.manifestKeyId } : {}),
  };
  await writeSigned();
  try {
    const items = await collect(request.type, sources, root);
    const totalBytes = items.reduce((sum, item) => sum + item.size, 0);
    let doneBytes = 0;
    for (const [index, item] of items.entries()) {
      const report = (): void =>
        request.onProgress({
          operation: 'create',
          id,
          doneBytes: Math.min(doneBytes, totalBytes),
          totalBytes,
          doneFiles: index,
          totalFiles: items.length,
          current: item.origin,
        });
      report();
      const entry = await copyItem(item, folder, (n) => {
        doneBytes += n;
        report();
      });
      manifest.files.push(entry);
      if (entry.kind === 'state') manifest.providers.push(entry.origin.slice('provider:'.length));
    }
    request.onProgress({ operation: 'create', id, doneBytes: totalBytes, totalBytes, doneFiles: items.length, totalFiles: items.length, current: '' });
    manifest.fileCount = manifest.files.length;
    manifest.bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    manifest.status = 'complete';
    manifest.finishedAt = new Date(clock.now()).toISOString();
    await writeSigned();
    return manifest;
  } catch (error) {
    manifest.status = 'failed';
    manifest.error = error instanceof Error ? error.message : String(error);
    manifest.finishedAt = new Date(clock.now()).toISOString();
    manifest.fileCount = manifest.files.length;
    manifest.bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    await writeSigned().catch(() => undefined);
    if (error instanceof BackupError) throw error;
    throw new BackupError('BACKUP_FAILED', `backup ${id} failed: ${manifest.error}`, { cause: error });
  }
}
