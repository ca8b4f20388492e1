/**
 * The manifest: a JSON file (`manifest.json`) inside each backup's own folder that says what the
 * backup holds. It lives next to the files it describes, not in a database, so a backup can be
 * listed, verified and restored after the database itself is lost.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 1;

/**
 * What a backup holds. `full`: everything configured; `config`: configuration files;
 * `data`: data paths and SQLite databases; `state`: snapshots from registered providers.
 */
export type BackupType = 'full' | 'config' | 'data' | 'state';
export const backupTypes: readonly BackupType[] = ['full', 'config', 'data', 'state'];

/** `in-progress` while files are written; `complete` once every file and checksum is recorded. */
export type BackupStatus = 'in-progress' | 'complete' | 'failed';

/** The kind of source a file came from; decides how it is restored. */
export type SourceKind = 'config' | 'data' | 'sqlite' | 'state';

/** The source kinds each backup type takes. */
export const kindsOfType: Readonly<Record<BackupType, readonly SourceKind[]>> = {
  full: ['config', 'data', 'sqlite', 'state'],
  config: ['config'],
  data: ['data', 'sqlite'],
  state: ['state'],
};

export interface BackupFileEntry {
  kind: SourceKind;
  /** Path inside the backup folder, with forward slashes. */
  path: string;
  /** Absolute path the file came from and is restored to; `provider:<name>` for state. */
  origin: string;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface BackupManifest {
  format: number;
  id: string;
  type: BackupType;
  status: BackupStatus;
  tags: string[];
  description: string;
  /** ISO-8601 time the backup started, from the injected clock. */
  createdAt: string;
  /** ISO-8601 time the backup completed or failed. */
  finishedAt?: string;
  fileCount: number;
  bytes: number;
  files: BackupFileEntry[];
  /** Names of the providers whose state the backup holds. */
  providers: string[];
  /** Why the backup failed (status `failed` only). */
  error?: string;
  /** The id of the service key that signed it (`key-` and 16 hex characters), so a rotated-away key is named when it is missing. */
  keyId?: string;
  /** `hmac-sha256:<hex>` over the rest of the manifest, with the service's backup-manifest key (manifest-signature.ts). */
  signature?: string;
}

const entrySchema = z.object({
  kind: z.enum(['config', 'data', 'sqlite', 'state']),
  // Inside the backup folder: relative, forward slashes, no '..' segment.
  path: z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..'), 'must be a relative path inside the backup folder'),
  origin: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const manifestSchema = z.object({
  format: z.number().int(),
  id: z.string().min(1),
  type: z.enum(['full', 'config', 'data', 'state']),
  status: z.enum(['in-progress', 'complete', 'failed']),
  tags: z.array(z.string()),
  description: z.string(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  fileCount: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  files: z.array(entrySchema),
  providers: z.array(z.string()),
  error: z.string().optional(),
  keyId: z.string().regex(/^key-[0-9a-f]{16}$/).optional(),
  signature: z.string().regex(/^hmac-sha256:[0-9a-f]{64}$/).optional(),
});

/** Parses and validates a manifest; the error names the field that is wrong. */
export function parseManifest(text: string, where: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${where}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue === undefined ? '' : issue.path.join('.');
    throw new TypeError(`${where}: invalid manifest field "${field}": ${issue?.message ?? 'unknown problem'}`);
  }
  return result.data;
}

export async function readManifest(backupDir: string): Promise<BackupManifest> {
  const file = join(backupDir, MANIFEST_FILE);
  // Messages name the backup's folder and file, never the server path above them.
  return parseManifest(await readFile(file, 'utf8'), `${basename(backupDir)}/${MANIFEST_FILE}`);
}

/** Writes the manifest atomically (temp file, then rename), so a reader never sees half of one. */
export async function writeManifest(backupDir: string, manifest: BackupManifest): Promise<void> {
  const file = join(backupDir, MANIFEST_FILE);
  const temp = `${file}.${randomUUID()}.tmp`;
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`, { flush: true });
  await rename(temp, file);
}

/** Time of creation in ms since the epoch. */
export function createdMs(manifest: BackupManifest): number {
  return Date.parse(manifest.createdAt);
}

/**
 * A sortable, unique id: UTC time of creation to the millisecond, then 6 random hex digits
 * (`20261125T132007123Z-3f9a1c`), so ids sort by age and two backups in one ms do not collide.
 */
export function backupId(nowMs: number, random: () => number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace('.', '');
  const suffix = Math.floor(random() * 0x1000000)
    .toString(16)
    .padStart(6, '0');
  return `${stamp}-${suffix}`;
}
