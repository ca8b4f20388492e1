/**
 * The restore journal as a file: written exclusively (it is the lock against a second restore),
 * replaced atomically when the restore commits, read strictly (an unreadable or foreign file is
 * an error, never "no journal"), and recovery of a committed restore.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/backup/errors.js';
import { JOURNAL_FILE, type RestoreJournal, readJournal, recoverRestore, removeJournal, writeJournal } from '../../src/backup/restore-journal.js';
import { tempDirs } from './fixtures.js';

const temp = tempDirs();

const journal = (over: Partial<RestoreJournal> = {}): RestoreJournal => ({
  format: 1,
  backupId: 'b-1',
  startedAt: '2026-01-01T00:00:00.000Z',
  committed: false,
  steps: [],
  ...over,
});

describe('writeJournal', () => {
  it('exclusive: a second journal is refused as RESTORE_INTERRUPTED naming the first restore, which stays', async () => {
    const root = temp();
    await writeJournal(root, journal(), true);
    const error = await writeJournal(root, journal({ backupId: 'b-2' }), true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect(error).toMatchObject({ code: 'RESTORE_INTERRUPTED' });
    expect((error as Error).message).toContain('a restore of backup b-1 (started 2026-01-01T00:00:00.000Z) holds');
    expect((await readJournal(root))?.backupId).toBe('b-1');
  });

  it('exclusive into a folder that does not exist: the file system error, not "interrupted"', async () => {
    const root = join(temp(), 'missing');
    await expect(writeJournal(root, journal(), true)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('not exclusive: replaces the journal (the commit mark) and leaves no temp file', async () => {
    const root = temp();
    await writeJournal(root, journal(), true);
    await writeJournal(root, journal({ committed: true }), false);
    expect(await readJournal(root)).toEqual(journal({ committed: true }));
    await expect(readFile(join(root, `${JOURNAL_FILE}.tmp`))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('readJournal', () => {
  it('no journal: undefined; removeJournal when there is none is fine', async () => {
    const root = temp();
    expect(await readJournal(root)).toBeUndefined();
    await removeJournal(root);
  });

  it('a journal that cannot be read is an error, not "no journal"', async () => {
    const root = temp();
    await mkdir(join(root, JOURNAL_FILE));
    await expect(readJournal(root)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('a file that is not a restore journal is refused, naming the file', async () => {
    const root = temp();
    await writeFile(join(root, JOURNAL_FILE), JSON.stringify({ format: 2 }));
    await expect(readJournal(root)).rejects.toThrow(new RegExp(`${JOURNAL_FILE}: not a restore journal \\(.+\\)`));
  });
});

describe('recoverRestore', () => {
  it('after a committed restore: removes its rollback copies and the journal, reports nothing kept', async () => {
    const root = temp();
    const target = join(root, 'app.yaml');
    const rollback = `${target}.bulwark-rollback-x`;
    await writeFile(target, 'restored');
    await writeFile(rollback, 'previous');
    await writeJournal(root, journal({ committed: true, steps: [{ op: 'replace-file', target, temp: `${target}.tmp`, rollback }] }), true);

    expect(await recoverRestore(root)).toEqual({ backupId: 'b-1', outcome: 'completed', errors: [], kept: [] });
    expect(await readFile(target, 'utf8')).toBe('restored');
    await expect(readFile(rollback)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readJournal(root)).toBeUndefined();
  });

  it('undo of a folder the restore created leaves it when something else was put in it since', async () => {
    const root = temp();
    const dir = join(root, 'made');
    await mkdir(dir);
    await writeFile(join(dir, 'someone-elses.txt'), 'x');
    await writeJournal(root, journal({ steps: [{ op: 'mkdir', path: dir }, { op: 'mkdir', path: join(root, 'never-made') }] }), true);

    expect(await recoverRestore(root)).toEqual({ backupId: 'b-1', outcome: 'rolled-back', errors: [], kept: [] });
    expect(await readFile(join(dir, 'someone-elses.txt'), 'utf8')).toBe('x');
  });
});
