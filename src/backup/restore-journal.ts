/**
 * The restore journal: before a restore changes anything it writes, in the backup folder root,
 * every step it is about to take. When the process dies part-way, `recoverRestore()` reads the
 * journal and undoes the steps, putting the previous files back. Every undo is safe for a step
 * that never ran, so the journal is written once, up front, not once per step. A journal marked
 * `committed` belongs to a restore that finished; recovery then only removes its rollback copies.
 * The journal file also works as a lock: while it exists, no other restore starts in that folder.
 */
import { rename, rm, rmdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BackupError } from './errors.js';
import { kindOf } from './files.js';
import { restoreSqlite } from './sqlite-copy.js';

export const JOURNAL_FILE = 'restore-journal.json';

export type JournalStep =
  /** A folder the restore creates (undo: remove it if empty). */
  | { op: 'mkdir'; path: string }
  /** A temp copy of a backed-up file beside its target (undo: delete it). */
  | { op: 'stage'; temp: string }
  /** The target moves to `rollback`, the temp file takes its place (undo: move rollback back). */
  | { op: 'replace-file'; target: string; temp: string; rollback: string }
  /** The temp file becomes a new target (undo: delete the target). */
  | { op: 'add-file'; target: string; temp: string }
  /** A complete rollback copy exists once `rollback` exists (written as `.partial`, then renamed). */
  | { op: 'replace-sqlite'; target: string; rollback: string }
  /** A new database (undo: delete it and its -wal/-shm/-journal). */
  | { op: 'add-sqlite'; target: string };

export interface RestoreJournal {
  format: 1;
  backupId: string;
  startedAt: string;
  committed: boolean;
  steps: JournalStep[];
}

const stepSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('mkdir'), path: z.string() }),
  z.object({ op: z.literal('stage'), temp: z.string() }),
  z.object({ op: z.literal('replace-file'), target: z.string(), temp: z.string(), rollback: z.string() }),
  z.object({ op: z.literal('add-file'), target: z.string(), temp: z.string() }),
  z.object({ op: z.literal('replace-sqlite'), target: z.string(), rollback: z.string() }),
  z.object({ op: z.literal('add-sqlite'), target: z.string() }),
]);
const journalSchema = z.object({
  format: z.literal(1),
  backupId: z.string(),
  startedAt: z.string(),
  committed: z.boolean(),
  steps: z.array(stepSchema),
});

const sidecars = ['-wal', '-shm', '-journal'];

export const partialOf = (rollback: string): string => `${rollback}.partial`;

/** Writes the journal; `exclusive` fails when one exists (another restore, or an interrupted one). */
export async function writeJournal(root: string, journal: RestoreJournal, exclusive: boolean): Promise<void> {
  const file = join(root, JOURNAL_FILE);
  const text = `${JSON.stringify(journal, null, 2)}\n`;
  if (exclusive) {
    try {
      await writeFile(file, text, { flag: 'wx', flush: true });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EEXIST') throw interrupted(root, await readJournal(root).catch(() => undefined));
      throw error;
    }
    return;
  }
  const temp = `${file}.tmp`;
  await writeFile(temp, text, { flush: true });
  await rename(temp, file);
}

export async function readJournal(root: string): Promise<RestoreJournal | undefined> {
  const file = join(root, JOURNAL_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = journalSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new TypeError(`${file}: not a restore journal (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

export async function removeJournal(root: string): Promise<void> {
  await rm(join(root, JOURNAL_FILE), { force: true });
}

export function interrupted(root: string, journal: RestoreJournal | undefined): BackupError {
  const which = journal ? `of backup ${journal.backupId} (started ${journal.startedAt})` : 'in progress';
  return new BackupError(
    'RESTORE_INTERRUPTED',
    `a restore ${which} holds ${join(root, JOURNAL_FILE)}: another restore is running, or one was interrupted — run recover() / \`bulwark backup recover\``,
  );
}

const exists = async (path: string): Promise<boolean> => (await kindOf(path)) !== undefined;

export interface UndoOutcome {
  errors: unknown[];
  /** Rollback copies kept because putting them back failed. */
  kept: string[];
}

/** Undoes `steps` in reverse order. Each undo is safe when its step never ran. */
export async function undoSteps(steps: readonly JournalStep[]): Promise<UndoOutcome> {
  const outcome: UndoOutcome = { errors: [], kept: [] };
  for (const step of [...steps].reverse()) {
    try {
      switch (step.op) {
        case 'mkdir':
          await rmdir(step.path).catch((error: unknown) => {
            const code = (error as { code?: unknown }).code;
            if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
          });
          break;
        case 'stage':
          await rm(step.temp, { force: true });
          break;
        case 'replace-file':
          if (await exists(step.rollback)) await rename(step.rollback, step.target);
          await rm(step.temp, { force: true });
          break;
        case 'add-file':
          // Only a file this restore put there: the temp file is gone once it was renamed in.
          if (!(await exists(step.temp))) await rm(step.target, { force: true });
          await rm(step.temp, { force: true });
          break;
        case 'replace-sqlite':
          if (await exists(step.rollback)) {
            try {
              await restoreSqlite(step.rollback, step.target);
            } catch (error) {
              outcome.kept.push(step.rollback);
              throw error;
            }
            await rm(step.rollback, { force: true });
          }
          await rm(partialOf(step.rollback), { force: true });
          break;
        case 'add-sqlite':
          for (const suffix of ['', ...sidecars]) await rm(step.target + suffix, { force: true });
          break;
      }
    } catch (error) {
      if (step.op === 'replace-file') outcome.kept.push(step.rollback);
      outcome.errors.push(error);
    }
  }
  return outcome;
}

/** After a restore committed: removes the rollback copies and any leftover temp files. */
export async function cleanupSteps(steps: readonly JournalStep[]): Promise<void> {
  for (const step of steps) {
    if (step.op === 'replace-file' || step.op === 'replace-sqlite') await rm(step.rollback, { recursive: true, force: true });
    if (step.op === 'replace-sqlite') await rm(partialOf(step.rollback), { force: true });
    if (step.op === 'stage') await rm(step.temp, { force: true });
  }
}

export interface RecoveryResult {
  backupId: string;
  /** `rolled-back`: the interrupted restore was undone; `completed`: it had finished, leftovers were removed. */
  outcome: 'rolled-back' | 'completed';
  errors: unknown[];
  kept: string[];
}

/** Finishes what an interrupted restore left: undoes it, or cleans up after a committed one. */
export async function recoverRestore(root: string): Promise<RecoveryResult | undefined> {
  const journal = await readJournal(root);
  if (journal === undefined) return undefined;
  if (journal.committed) {
    await cleanupSteps(journal.steps);
    await removeJournal(root);
    return { backupId: journal.backupId, outcome: 'completed', errors: [], kept: [] };
  }
  const { errors, kept } = await undoSteps(journal.steps);
  if (errors.length === 0) await removeJournal(root);
  return { backupId: journal.backupId, outcome: 'rolled-back', errors, kept };
}
