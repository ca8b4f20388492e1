/**
 * Restoring a backup, all or nothing:
 * 1. verify every file of the backup against its manifest checksum — any mismatch refuses the
 *    restore before anything is touched;
 * 2. stage: copy each file to a temp file next to its target, checking its hash again;
 * 3. swap: move each existing target aside to a rollback copy, rename the temp file into place;
 * 4. SQLite databases: take a rollback copy with the online backup API, then write the backup
 *    into the live database through the same API;
 * 5. providers: take each one's current snapshot, then restore the backed-up state.
 * If any step fails, every step done so far is undone in reverse order and the previous state
 * is back in place. The rollback copies are removed only once the whole restore has succeeded.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BackupCorruptError, BackupError, RestoreFailedError, type VerificationProblem } from './errors.js';
import { copyHashed, hashFile, kindOf } from './files.js';
import type { BackupFileEntry, BackupManifest, SourceKind } from './manifest.js';
import { type BackupProgress, type StateProvider } from './provider.js';
import { backupSqlite, restoreSqlite } from './sqlite-copy.js';

export interface RestoreOptions {
  /** Report what would change and change nothing. */
  dryRun?: boolean;
  /** Which kinds of source to restore; the others are left as they are. */
  include?: readonly SourceKind[];
}

export const restoreDefaults = {
  // A dry run is asked for; the default does the restore the caller called for.
  dryRun: false,
  // Everything the backup holds.
  include: ['config', 'data', 'sqlite', 'state'] as readonly SourceKind[],
} satisfies Required<RestoreOptions>;

/** What a restore changes (or, in a dry run, would change). Paths are the targets' paths. */
export interface RestoreResult {
  id: string;
  dryRun: boolean;
  /** Targets that do not exist now and will be created. */
  added: string[];
  /** Targets whose content differs from the backup (SQLite databases always count as changed). */
  changed: string[];
  /** Targets that already hold exactly the backed-up bytes; they are not rewritten. */
  unchanged: string[];
  /** Providers whose state is restored. */
  providers: string[];
}

/** Checks every file of the backup against the manifest: presence, size and SHA-256. */
export async function verifyBackup(folder: string, manifest: BackupManifest): Promise<VerificationProblem[]> {
  const problems: VerificationProblem[] = [];
  for (const entry of manifest.files) {
    const path = join(folder, ...entry.path.split('/'));
    if ((await kindOf(path)) !== 'file') {
      problems.push({ path: entry.path, origin: entry.origin, reason: 'missing' });
      continue;
    }
    const actual = await hashFile(path);
    if (actual.bytes !== entry.bytes) problems.push({ path: entry.path, origin: entry.origin, reason: 'size-mismatch' });
    else if (actual.sha256 !== entry.sha256) problems.push({ path: entry.path, origin: entry.origin, reason: 'checksum-mismatch' });
  }
  return problems;
}

type Action = 'add' | 'replace' | 'keep';

async function actionFor(entry: BackupFileEntry): Promise<Action> {
  const kind = await kindOf(entry.origin);
  if (kind === undefined) return 'add';
  if (entry.kind === 'sqlite' || kind !== 'file') return 'replace';
  return (await hashFile(entry.origin)).sha256 === entry.sha256 ? 'keep' : 'replace';
}

export interface RestoreRequest {
  folder: string;
  manifest: BackupManifest;
  providers: ReadonlyMap<string, StateProvider>;
  options: RestoreOptions;
  onProgress: (progress: BackupProgress) => void;
}

/** One undo step, run in reverse order when the restore fails; `copy` is the rollback copy it puts back. */
interface Undo {
  run: () => Promise<void>;
  copy?: string;
}

const sidecars = ['-wal', '-shm', '-journal'];

async function removeAll(paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(path, { recursive: true, force: true }).catch(() => undefined);
}

export async function restoreBackup(request: RestoreRequest): Promise<RestoreResult> {
  const { folder, manifest } = request;
  const { dryRun, include } = { ...restoreDefaults, ...request.options };
  if (manifest.status !== 'complete') {
    throw new BackupError('BACKUP_INCOMPLETE', `backup ${manifest.id} has status "${manifest.status}" and cannot be restored`);
  }
  const problems = await verifyBackup(folder, manifest);
  if (problems.length > 0) throw new BackupCorruptError(manifest.id, problems);

  const wanted = new Set(include);
  const entries = manifest.files.filter((f) => wanted.has(f.kind));
  const fileEntries = entries.filter((f) => f.kind === 'config' || f.kind === 'data');
  const sqliteEntries = entries.filter((f) => f.kind === 'sqlite');
  const stateEntries = entries.filter((f) => f.kind === 'state');

  const result: RestoreResult = { id: manifest.id, dryRun, added: [], changed: [], unchanged: [], providers: [] };
  const actions = new Map<BackupFileEntry, Action>();
  for (const entry of [...fileEntries, ...sqliteEntries]) {
    const action = await actionFor(entry);
    actions.set(entry, action);
    (action === 'add' ? result.added : action === 'replace' ? result.changed : result.unchanged).push(entry.origin);
  }
  const missing: string[] = [];
  for (const entry of stateEntries) {
    const name = entry.origin.slice('provider:'.length);
    if (request.providers.has(name)) result.providers.push(name);
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new BackupError(
      'RESTORE_PROVIDER_MISSING',
      `backup ${manifest.id} holds state of provider(s) ${missing.join(', ')}, which are not registered; register them or leave out 'state'`,
    );
  }
  if (dryRun) return result;

  const toWrite = [...fileEntries, ...sqliteEntries].filter((e) => actions.get(e) !== 'keep');
  const totalFiles = toWrite.length + stateEntries.length;
  const totalBytes = [...toWrite, ...stateEntries].reduce((sum, e) => sum + e.bytes, 0);
  let doneBytes = 0;
  let doneFiles = 0;
  const report = (current: string): void =>
    request.onProgress({ operation: 'restore', id: manifest.id, doneBytes, totalBytes, doneFiles, totalFiles, current });

  const token = randomUUID().slice(0, 8);
  const undo: Undo[] = [];
  const cleanup: string[] = [];
  try {
    // 2. Stage every plain file beside its target; nothing visible has changed yet.
    const staged: Array<{ entry: BackupFileEntry; temp: string }> = [];
    for (const entry of toWrite.filter((e) => e.kind !== 'sqlite')) {
      report(entry.origin);
      const created = await mkdir(dirname(entry.origin), { recursive: true });
      if (created !== undefined) undo.push({ run: () => rm(created, { recursive: true, force: true }) });
      const temp = `${entry.origin}.bulwark-restore-${token}.tmp`;
      undo.push({ run: () => rm(temp, { force: true }) });
      const copied = await copyHashed(join(folder, ...entry.path.split('/')), temp, (n) => {
        doneBytes += n;
      });
      if (copied.sha256 !== entry.sha256) {
        throw new BackupCorruptError(manifest.id, [{ path: entry.path, origin: entry.origin, reason: 'checksum-mismatch' }]);
      }
      staged.push({ entry, temp });
    }
    // 3. Swap: the old file becomes the rollback copy, the temp file takes its place.
    for (const { entry, temp } of staged) {
      const target = entry.origin;
      if (actions.get(entry) === 'replace') {
        const rollback = `${target}.bulwark-rollback-${token}`;
        await rename(target, rollback);
        undo.push({ run: () => rename(rollback, target), copy: rollback });
        cleanup.push(rollback);
      } else {
        undo.push({ run: () => rm(target, { force: true }) });
      }
      await rename(temp, target);
      doneFiles += 1;
      report(target);
    }
    // 4. SQLite databases, both ways through the online backup API.
    for (const entry of sqliteEntries.filter((e) => actions.get(e) !== 'keep')) {
      const target = entry.origin;
      report(target);
      if (actions.get(entry) === 'replace') {
        const rollback = `${target}.bulwark-rollback-${token}`;
        await backupSqlite(target, rollback);
        cleanup.push(rollback);
        undo.push({ run: () => restoreSqlite(rollback, target), copy: rollback });
      } else {
        await mkdir(dirname(target), { recursive: true });
        undo.push({
          run: async () => {
            for (const suffix of ['', ...sidecars]) await rm(target + suffix, { force: true });
          },
        });
      }
      await restoreSqlite(join(folder, ...entry.path.split('/')), target);
      doneBytes += entry.bytes;
      doneFiles += 1;
      report(target);
    }
    // 5. Providers, each with its current state kept to put back.
    for (const entry of stateEntries) {
      const name = entry.origin.slice('provider:'.length);
      const provider = request.providers.get(name) as StateProvider;
      report(entry.origin);
      const state: unknown = JSON.parse(await readFile(join(folder, ...entry.path.split('/')), 'utf8'));
      const previous = await provider.snapshot();
      undo.push({ run: () => provider.restore(previous) });
      await provider.restore(state);
      doneBytes += entry.bytes;
      doneFiles += 1;
      report(entry.origin);
    }
  } catch (error) {
    const rollbackErrors: unknown[] = [];
    const kept: string[] = [];
    for (const step of undo.reverse()) {
      try {
        await step.run();
      } catch (undoError) {
        rollbackErrors.push(undoError);
        // A rollback copy that could not be put back is the only copy of the old state: keep it.
        if (step.copy !== undefined) kept.push(step.copy);
      }
    }
    await removeAll(cleanup.filter((path) => !kept.includes(path)));
    if (rollbackErrors.length > 0) throw new RestoreFailedError(manifest.id, error, rollbackErrors, kept);
    if (error instanceof BackupCorruptError) throw error;
    throw new RestoreFailedError(manifest.id, error, [], []);
  }
  await removeAll(cleanup);
  return result;
}
