/**
 * Restoring a backup, all or nothing:
 * 1. verify every file of the backup against its manifest checksum — any mismatch refuses the
 *    restore before anything is touched;
 * 2. write the restore journal (every step below), so a crash part-way can be undone;
 * 3. stage: copy each file to a temp file next to its target, checking its hash again;
 * 4. swap: move each existing target aside to a rollback copy, rename the temp file into place;
 * 5. SQLite databases: take a rollback copy with the online backup API, then write the backup
 *    into the live database through the same API;
 * 6. providers: take each one's current snapshot, then restore the backed-up state.
 * If any step fails, every step done so far is undone in reverse order and the previous state
 * is back in place. The rollback copies are removed only once the whole restore has succeeded.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BackupCorruptError, BackupError, RestoreFailedError, type VerificationProblem } from './errors.js';
import { copyHashed, hashFile, kindOf } from './files.js';
import type { BackupFileEntry, BackupManifest, SourceKind } from './manifest.js';
import { type BackupProgress, type StateProvider } from './provider.js';
import {
  type JournalStep,
  type RestoreJournal,
  cleanupSteps,
  interrupted,
  partialOf,
  readJournal,
  removeJournal,
  undoSteps,
  writeJournal,
} from './restore-journal.js';
import { type RestoreTargets, retarget } from './restore-targets.js';
import { backupSqlite, restoreSqlite } from './sqlite-copy.js';
import { assertDataDirFree } from '../storage/data-dir-lock.js';

export interface RestoreOptions {
  /** Report what would change and change nothing. */
  dryRun?: boolean;
  /** Which kinds of source to restore; the others are left as they are. */
  include?: readonly SourceKind[];
}

export const RESTORE_DEFAULTS = {
  // Off: calling restore restores; a dry run is asked for explicitly.
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
  /** The folder holding all backups; the restore journal lives there. */
  root: string;
  /** This backup's folder. */
  folder: string;
  /** Clock time, for the journal. */
  now: number;
  manifest: BackupManifest;
  providers: ReadonlyMap<string, StateProvider>;
  options: RestoreOptions;
  onProgress: (progress: BackupProgress) => void;
  /** Where each kind of file goes back to: the configured sources, not the manifest's `origin`. */
  targets: RestoreTargets;
}

/** Folders missing on the way down to `dir`, outermost first. */
async function missingDirs(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let current = dir;
  while ((await kindOf(current)) === undefined) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return missing;
}

export async function restoreBackup(request: RestoreRequest): Promise<RestoreResult> {
  const { folder, root } = request;
  const pending = await readJournal(root);
  if (pending !== undefined) throw interrupted(root, pending);
  const { dryRun, include } = { ...RESTORE_DEFAULTS, ...request.options };
  const bad = include.find((k) => !(RESTORE_DEFAULTS.include as readonly string[]).includes(k));
  if (bad !== undefined) throw new RangeError(`restore: include holds "${String(bad)}"; kinds are ${RESTORE_DEFAULTS.include.join(', ')}`);
  if (request.manifest.status !== 'complete') {
    throw new BackupError('BACKUP_INCOMPLETE', `backup ${request.manifest.id} has status "${request.manifest.status}" and cannot be restored`);
  }
  // Only the kinds restored need a target here; each entry's origin becomes its configured target.
  const manifest = await retarget({ ...request.manifest, files: request.manifest.files.filter((f) => include.includes(f.kind)) }, request.targets);
  const problems = await verifyBackup(folder, request.manifest);
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
  refuseWhileInUse(manifest.id, [...fileEntries, ...sqliteEntries].map((e) => e.origin));

  const token = randomUUID().slice(0, 8);
  const toWrite = [...fileEntries, ...sqliteEntries].filter((e) => actions.get(e) !== 'keep');
  const plainFiles = toWrite.filter((e) => e.kind !== 'sqlite');
  const databases = toWrite.filter((e) => e.kind === 'sqlite');

  // The whole plan, in the order it runs: folders and temp copies, swaps, databases.
  const staging: JournalStep[] = [];
  const swaps: JournalStep[] = [];
  const dbSteps: JournalStep[] = [];
  const planned = new Set<string>();
  const plan = async (target: string): Promise<void> => {
    for (const dir of await missingDirs(dirname(target))) {
      if (planned.has(dir)) continue;
      planned.add(dir);
      staging.push({ op: 'mkdir', path: dir });
    }
  };
  const tempOf = new Map<BackupFileEntry, string>();
  for (const entry of plainFiles) {
    const target = entry.origin;
    const temp = `${target}.bulwark-restore-${token}.tmp`;
    tempOf.set(entry, temp);
    await plan(target);
    staging.push({ op: 'stage', temp });
    swaps.push(
      actions.get(entry) === 'replace'
        ? { op: 'replace-file', target, temp, rollback: `${target}.bulwark-rollback-${token}` }
        : { op: 'add-file', target, temp },
    );
  }
  for (const entry of databases) {
    const target = entry.origin;
    await plan(target);
    dbSteps.push(
      actions.get(entry) === 'replace' ? { op: 'replace-sqlite', target, rollback: `${target}.bulwark-rollback-${token}` } : { op: 'add-sqlite', target },
    );
  }
  const journal: RestoreJournal = {
    format: 1,
    backupId: manifest.id,
    startedAt: new Date(request.now).toISOString(),
    committed: false,
    steps: [...staging, ...swaps, ...dbSteps],
  };
  await writeJournal(root, journal, true);

  const totalFiles = toWrite.length + stateEntries.length;
  const totalBytes = [...toWrite, ...stateEntries].reduce((sum, e) => sum + e.bytes, 0);
  let doneBytes = 0;
  let doneFiles = 0;
  const report = (current: string): void =>
    request.onProgress({ operation: 'restore', id: manifest.id, doneBytes, totalBytes, doneFiles, totalFiles, current });
  const backupFile = (entry: BackupFileEntry): string => join(folder, ...entry.path.split('/'));
  const providerUndo: Array<() => Promise<void>> = [];

  try {
    // Stage every plain file beside its target; nothing visible has changed yet.
    for (const entry of plainFiles) {
      report(entry.origin);
      await mkdir(dirname(entry.origin), { recursive: true });
      const copied = await copyHashed(backupFile(entry), tempOf.get(entry) as string, (n) => {
        doneBytes += n;
      });
      if (copied.sha256 !== entry.sha256) {
        throw new BackupCorruptError(manifest.id, [{ path: entry.path, origin: entry.origin, reason: 'checksum-mismatch' }]);
      }
    }
    // Swap: the old file becomes the rollback copy, the temp file takes its place.
    for (const step of swaps) {
      if (step.op === 'replace-file') {
        await rename(step.target, step.rollback);
        await rename(step.temp, step.target);
      } else if (step.op === 'add-file') {
        await rename(step.temp, step.target);
      }
      doneFiles += 1;
      report(step.op === 'replace-file' || step.op === 'add-file' ? step.target : '');
    }
    // SQLite databases, both ways through the online backup API.
    for (const [i, step] of dbSteps.entries()) {
      const entry = databases[i] as BackupFileEntry;
      report(entry.origin);
      if (step.op === 'replace-sqlite') {
        // The rollback copy counts only once complete: written as .partial, then renamed.
        await backupSqlite(step.target, partialOf(step.rollback));
        await rename(partialOf(step.rollback), step.rollback);
      } else {
        await mkdir(dirname(entry.origin), { recursive: true });
      }
      await restoreSqlite(backupFile(entry), entry.origin);
      doneBytes += entry.bytes;
      doneFiles += 1;
      report(entry.origin);
    }
    // Providers, each with its current state kept to put back.
    for (const entry of stateEntries) {
      const name = entry.origin.slice('provider:'.length);
      const provider = request.providers.get(name) as StateProvider;
      report(entry.origin);
      const state: unknown = JSON.parse(await readFile(backupFile(entry), 'utf8'));
      const previous = await provider.snapshot();
      providerUndo.push(() => provider.restore(previous));
      await provider.restore(state);
      doneBytes += entry.bytes;
      doneFiles += 1;
      report(entry.origin);
    }
  } catch (error) {
    const rollbackErrors: unknown[] = [];
    for (const undo of providerUndo.reverse()) {
      try {
        await undo();
      } catch (undoError) {
        rollbackErrors.push(undoError);
      }
    }
    const outcome = await undoSteps(journal.steps);
    rollbackErrors.push(...outcome.errors);
    // With every file back the journal is done; if some could not be put back, it stays for recover().
    if (outcome.errors.length === 0) await removeJournal(root);
    if (error instanceof BackupCorruptError && rollbackErrors.length === 0) throw error;
    throw new RestoreFailedError(manifest.id, error, rollbackErrors, outcome.kept);
  }
  await writeJournal(root, { ...journal, committed: true }, false);
  await cleanupSteps(journal.steps);
  await removeJournal(root);
  return result;
}

/**
 * A restore never rewrites the data of a running service behind its back: when a target lies in a
 * data directory whose lock (`bulwark.lock`) is held by another live process, it refuses before
 * anything is touched. The service itself may restore its own data (through its API).
 */
function refuseWhileInUse(id: string, targets: readonly string[]): void {
  const dirs = new Set<string>();
  for (const target of targets) {
    for (let dir = dirname(resolve(target)); !dirs.has(dir); dir = dirname(dir)) {
      dirs.add(dir);
      if (dirname(dir) === dir) break;
    }
  }
  for (const dir of dirs) assertDataDirFree(dir, `restore of ${id} refused`);
}
