/**
 * Where a restore writes: the targets configured now (`configFiles`, `dataPaths`,
 * `sqliteDatabases`), never the `origin` the manifest records. A manifest is a file in a folder;
 * if its `origin` were trusted, whoever can edit it could make a restore overwrite any file the
 * service can write. Each entry's place inside the backup (`config/<i>/<name>`, `data/<i>/<rel>`,
 * `sqlite/<i>/<name>`) names the configured source it came from; the entry goes back there, and an
 * entry with no such source is refused before anything is touched.
 */
import { basename, resolve, sep } from 'node:path';
import { BackupError } from './errors.js';
import { kindOf } from './files.js';
import type { BackupFileEntry, BackupManifest } from './manifest.js';
import { providerOrigin } from './provider.js';

export interface RestoreTargets {
  configFiles: readonly string[];
  dataPaths: readonly string[];
  sqliteDatabases: readonly string[];
}

const ENTRY_PATH = /^(config|data|sqlite)\/(\d{1,6})\/(.+)$/;
const STATE_PATH = /^state\/(.+)\.json$/;
const isInside = (path: string, dir: string): boolean => path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

async function targetOf(id: string, entry: BackupFileEntry, targets: RestoreTargets): Promise<string> {
  const refuse = (why: string): never => {
    throw new BackupError('RESTORE_TARGET_UNKNOWN', `backup ${id}: ${entry.path} cannot be restored: ${why}; nothing was restored`);
  };
  if (entry.kind === 'state') {
    const name = STATE_PATH.exec(entry.path)?.[1];
    return name === undefined ? refuse('a state entry must be state/<provider>.json') : providerOrigin(name);
  }
  const match = ENTRY_PATH.exec(entry.path);
  const folder = entry.kind === 'sqlite' ? 'sqlite' : entry.kind === 'config' ? 'config' : 'data';
  if (!match || match[1] !== folder) return refuse(`a ${entry.kind} entry must lie under ${folder}/<index>/`);
  const index = Number(match[2]);
  const rest = match[3] as string;
  const option = entry.kind === 'config' ? 'configFiles' : entry.kind === 'data' ? 'dataPaths' : 'sqliteDatabases';
  const configured = targets[option][index];
  if (configured === undefined) return refuse(`${option}[${index}] is not configured here`);
  const target = resolve(configured);
  if (entry.kind !== 'data') return basename(target) === rest ? target : refuse(`${option}[${index}] now names ${basename(target)}, not ${rest}`);
  // A data path is a file (taken as data/<i>/<its name>) or a directory (data/<i>/<path inside it>).
  if ((await kindOf(target)) !== 'directory' && rest === basename(target)) return target;
  const inside = resolve(target, ...rest.split('/'));
  return isInside(inside, target) ? inside : refuse(`${rest} is not inside ${option}[${index}]`);
}

/** The manifest with each entry's `origin` replaced by the configured target it restores to. */
export async function retarget(manifest: BackupManifest, targets: RestoreTargets): Promise<BackupManifest> {
  const files: BackupFileEntry[] = [];
  for (const entry of manifest.files) files.push({ ...entry, origin: await targetOf(manifest.id, entry, targets) });
  return { ...manifest, files };
}

