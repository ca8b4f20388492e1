import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backups, JOURNAL_FILE, type RestoreJournal } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { dbValues, execOn, put, START, tempDirs, treeHash, walDatabase } from './fixtures.js';

const temp = tempDirs();

/**
 * Backs up a tree, drifts it, then starts a restore whose provider never returns: the process
 * "dies" there, after files were swapped and the database rewritten, with its journal on disk.
 */
async function interruptedRestore() {
  const root = temp();
  const live = join(root, 'live');
  await put(join(live, 'app.yaml'), 'v1\n');
  await put(join(live, 'data', 'kept.txt'), 'same');
  const dbPath = join(live, 'store.db');
  walDatabase(dbPath, 'v1');
  const dir = join(root, 'backups');
  const options = { dir, configFiles: [join(live, 'app.yaml')], dataPaths: [join(live, 'data')], sqliteDatabases: [dbPath], clock: new ManualClock(START) };
  const first = backups(options);
  let reached!: () => void;
  const atProvider = new Promise<void>((resolve) => (reached = resolve));
  first.register('hangs', {
    snapshot: async () => ({ v: 1 }),
    restore: () => {
      reached();
      return new Promise<void>(() => undefined); // never settles: the process dies here
    },
  });
  const manifest = await first.create();

  await writeFile(join(live, 'app.yaml'), 'v2\n');
  await put(join(live, 'data', 'new-since.txt'), 'keep me');
  execOn(dbPath, "UPDATE t SET v = 'v2'");
  const dataBefore = await treeHash(join(live, 'data'));

  void first.restore(manifest.id);
  await atProvider;
  return { root, live, dir, dbPath, manifest, options, dataBefore };
}

describe('restore journal', () => {
  it('recover() undoes a restore interrupted after files and database were replaced', async () => {
    const t = await interruptedRestore();
    // Mid-restore, the restored content is visible and the journal is on disk.
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('v1\n');
    expect(dbValues(t.dbPath)).toEqual(['v1']);
    const journal = JSON.parse(await readFile(join(t.dir, JOURNAL_FILE), 'utf8')) as RestoreJournal;
    expect(journal.backupId).toBe(t.manifest.id);
    expect(journal.committed).toBe(false);

    // A new process starts: another restore is refused until recovery ran.
    const next = backups({ ...t.options });
    next.register('hangs', { snapshot: async () => 0, restore: async () => undefined });
    await expect(next.restore(t.manifest.id, { dryRun: true })).rejects.toMatchObject({ code: 'RESTORE_INTERRUPTED' });

    const recovered = await next.recover();
    expect(recovered).toEqual({ backupId: t.manifest.id, outcome: 'rolled-back', errors: [], kept: [] });
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('v2\n');
    expect(dbValues(t.dbPath)).toEqual(['v2']);
    expect(await treeHash(join(t.live, 'data'))).toBe(t.dataBefore);
    expect((await readdir(t.live)).filter((n) => n.includes('bulwark-'))).toEqual([]);
    expect(await readdir(t.dir)).not.toContain(JOURNAL_FILE);
    expect(await next.recover()).toBeUndefined();

    // And restoring works again.
    await next.restore(t.manifest.id);
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('v1\n');
  });

  it('recover() after a restore that had committed keeps the restored files and removes the rollback copies', async () => {
    const t = await interruptedRestore();
    const journal = JSON.parse(await readFile(join(t.dir, JOURNAL_FILE), 'utf8')) as RestoreJournal;
    await writeFile(join(t.dir, JOURNAL_FILE), JSON.stringify({ ...journal, committed: true }));
    const result = await backups({ dir: t.dir }).recover();
    expect(result?.outcome).toBe('completed');
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('v1\n');
    expect(dbValues(t.dbPath)).toEqual(['v1']);
    expect((await readdir(t.live)).filter((n) => n.includes('bulwark-'))).toEqual([]);
  });

  it('one restore at a time: a second restore in the same folder is refused while the first runs', async () => {
    const t = await interruptedRestore();
    await expect(backups({ dir: t.dir, configFiles: [join(t.live, 'app.yaml')] }).restore(t.manifest.id, { include: ['config'] })).rejects.toThrow(
      `a restore of backup ${t.manifest.id}`,
    );
  });
});
