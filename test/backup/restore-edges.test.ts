/**
 * Restore edges: progress figures, folders and databases that no longer exist (created, and
 * removed again on rollback), a target that became a folder, a rollback that cannot put a file
 * back (the journal stays for recover()), the order providers are put back in, and the errors
 * that name what is wrong.
 */
import { lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BackupProgress, backups, RestoreFailedError, type StateProvider } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { dbValues, execOn, put, START, tempDirs, treeHash, walDatabase } from './fixtures.js';

const temp = tempDirs();

/** A provider holding one value in memory, logging its restores to `log`. */
function loggingProvider(name: string, initial: unknown, log: string[]): StateProvider & { value: unknown; fail: boolean } {
  const p = {
    value: initial,
    fail: false,
    snapshot: async () => p.value,
    restore: async (state: unknown) => {
      log.push(`${name}:${JSON.stringify(state)}`);
      if (p.fail) {
        p.fail = false; // fails once: the restore fails, putting the old state back works
        throw new Error(`${name} refused`);
      }
      p.value = state;
    },
  };
  return p;
}

/** A live tree, a backup of it (with providers `names`), then drift. */
async function backedUp(names: string[] = ['limits']) {
  const root = temp();
  const live = join(root, 'live');
  await put(join(live, 'app.yaml'), 'port: 8080\n');
  await put(join(live, 'data', 'a.txt'), 'alpha');
  await put(join(live, 'data', 'b.txt'), 'beta');
  await put(join(live, 'data', 'sub', 'deep', 'c.txt'), 'gamma');
  const dbPath = join(live, 'store.db');
  walDatabase(dbPath, 'backed-up');
  const log: string[] = [];
  const providers = Object.fromEntries(names.map((n) => [n, loggingProvider(n, { v: 'backed-up' }, log)]));
  const store = backups({ dir: join(root, 'backups'), configFiles: [join(live, 'app.yaml')], dataPaths: [join(live, 'data')], sqliteDatabases: [dbPath], clock: new ManualClock(START) });
  for (const [n, p] of Object.entries(providers)) store.register(n, p);
  const manifest = await store.create();
  await writeFile(join(live, 'app.yaml'), 'port: 9999\n');
  await rm(join(live, 'data', 'b.txt'));
  execOn(dbPath, "DELETE FROM t; INSERT INTO t VALUES ('drifted')");
  for (const p of Object.values(providers)) p.value = { v: 'drifted' };
  log.length = 0;
  return { root, live, dbPath, store, manifest, providers, log };
}

/** Every path under `dir` holding a restore's temp or rollback copy. */
async function leftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const full = join(d, name);
      if (name.includes('.bulwark-')) found.push(relative(dir, full));
      if ((await lstat(full)).isDirectory()) await visit(full);
    }
  };
  await visit(dir);
  return found;
}

describe('restore progress', () => {
  it('reports each file as it is staged, swapped and written; the last report has every byte and file done', async () => {
    const t = await backedUp();
    const progress: BackupProgress[] = [];
    t.store.on('progress', (p) => {
      if (p.operation === 'restore') progress.push({ ...p });
    });
    await t.store.restore(t.manifest.id);

    const app = join(t.live, 'app.yaml');
    const b = join(t.live, 'data', 'b.txt');
    const bytesOf = (origin: string): number => t.manifest.files.find((f) => f.origin === origin)!.bytes;
    const totalBytes = bytesOf(app) + bytesOf(b) + bytesOf(t.dbPath) + bytesOf('provider:limits');
    expect(progress.map((p) => [p.current, p.doneFiles])).toEqual([
      [app, 0], // staged
      [b, 0],
      [app, 1], // swapped in
      [b, 2],
      [t.dbPath, 2], // written through the backup API
      [t.dbPath, 3],
      ['provider:limits', 3],
      ['provider:limits', 4],
    ]);
    expect(progress.every((p) => p.totalFiles === 4 && p.totalBytes === totalBytes && p.id === t.manifest.id)).toBe(true);
    expect(progress.map((p) => p.doneBytes)).toEqual([0, bytesOf(app), ...Array(3).fill(bytesOf(app) + bytesOf(b)), totalBytes - bytesOf('provider:limits'), totalBytes - bytesOf('provider:limits'), totalBytes]);
  });
});

describe('restore of what no longer exists', () => {
  it('recreates a removed folder tree and a removed database', async () => {
    const t = await backedUp();
    await rm(join(t.live, 'data', 'sub'), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) await rm(t.dbPath + suffix, { force: true });

    const result = await t.store.restore(t.manifest.id);

    expect(await readFile(join(t.live, 'data', 'sub', 'deep', 'c.txt'), 'utf8')).toBe('gamma');
    expect(dbValues(t.dbPath)).toEqual(['backed-up']);
    expect(result.added.sort()).toEqual([join(t.live, 'data', 'b.txt'), join(t.live, 'data', 'sub', 'deep', 'c.txt'), t.dbPath].sort());
    expect(await leftovers(t.live)).toEqual([]);
  });

  it('a failed restore removes the folders and the database it created, and puts back the rest', async () => {
    const t = await backedUp();
    await rm(join(t.live, 'data', 'sub'), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) await rm(t.dbPath + suffix, { force: true });
    const before = await treeHash(t.live);
    t.providers.limits!.fail = true;

    const error = await t.store.restore(t.manifest.id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RestoreFailedError);
    expect((error as RestoreFailedError).rollbackErrors).toEqual([]);
    expect(await treeHash(t.live)).toBe(before);
    expect(await readdir(t.live)).not.toContain('store.db-wal');
  });
});

describe('restore over a target that became a folder', () => {
  it('moves the folder aside, puts the file in its place, and removes the folder once committed', async () => {
    const t = await backedUp();
    const app = join(t.live, 'app.yaml');
    await rm(app);
    await put(join(app, 'inside.txt'), 'x');
    expect((await t.store.restore(t.manifest.id, { dryRun: true })).changed).toContain(app);

    await t.store.restore(t.manifest.id);

    expect(await readFile(app, 'utf8')).toBe('port: 8080\n');
    expect(await leftovers(t.live)).toEqual([]);
  });
});

describe('restore whose rollback cannot put a file back', () => {
  it('keeps the rollback copy and the journal; recover() finishes once the obstacle is gone', async () => {
    const t = await backedUp();
    const app = join(t.live, 'app.yaml');
    // The provider fails after the files were swapped, and something has put a folder where
    // app.yaml was: the previous app.yaml cannot be moved back.
    let calls = 0;
    t.providers.limits!.restore = async () => {
      if (++calls > 1) return; // putting its old state back works
      await rm(app);
      await put(join(app, 'inside.txt'), 'x');
      throw new Error('limits refused');
    };

    const error = (await t.store.restore(t.manifest.id).catch((e: unknown) => e)) as RestoreFailedError;

    expect(error).toBeInstanceOf(RestoreFailedError);
    expect(error.rollbackErrors).toHaveLength(1);
    expect(error.keptRollbackCopies).toHaveLength(1);
    const kept = error.keptRollbackCopies[0]!;
    expect(kept).toMatch(/app\.yaml\.bulwark-rollback-/);
    expect(await readFile(kept, 'utf8')).toBe('port: 9999\n');
    // The journal stays: no new restore until this one is recovered.
    await expect(t.store.restore(t.manifest.id)).rejects.toMatchObject({ code: 'RESTORE_INTERRUPTED' });
    // recover() meets the same obstacle: it reports it and keeps the journal.
    const blocked = await t.store.recover();
    expect(blocked).toMatchObject({ outcome: 'rolled-back', kept: [kept] });
    expect(blocked?.errors).toHaveLength(1);
    await expect(t.store.restore(t.manifest.id)).rejects.toMatchObject({ code: 'RESTORE_INTERRUPTED' });

    await rm(app, { recursive: true });
    expect(await t.store.recover()).toEqual({ backupId: t.manifest.id, outcome: 'rolled-back', errors: [], kept: [] });
    expect(await readFile(app, 'utf8')).toBe('port: 9999\n');
    expect(await t.store.recover()).toBeUndefined();
  });
});

describe('restore of several providers', () => {
  it('a failure puts the providers back in reverse order, the failing one first', async () => {
    const t = await backedUp(['a', 'b', 'c']);
    t.providers.c!.fail = true;
    await expect(t.store.restore(t.manifest.id)).rejects.toBeInstanceOf(RestoreFailedError);
    const restored = '{"v":"backed-up"}';
    const previous = '{"v":"drifted"}';
    expect(t.log).toEqual([`a:${restored}`, `b:${restored}`, `c:${restored}`, `c:${previous}`, `b:${previous}`, `a:${previous}`]);
    expect(Object.values(t.providers).map((p) => p.value)).toEqual([{ v: 'drifted' }, { v: 'drifted' }, { v: 'drifted' }]);
  });
});

describe('restore errors name what is wrong', () => {
  it('an unknown kind in include lists the kinds', async () => {
    const t = await backedUp();
    await expect(t.store.restore(t.manifest.id, { include: ['files' as never] })).rejects.toThrow('restore: include holds "files"; kinds are config, data, sqlite, state');
  });

  it('an incomplete backup names its status', async () => {
    const root = temp();
    const store = backups({ dir: join(root, 'b'), configFiles: [join(root, 'missing.yaml')], clock: new ManualClock(START) });
    await store.create().catch(() => undefined);
    const [failed] = await store.list();
    await expect(store.restore(failed!.id)).rejects.toThrow(`backup ${failed!.id} has status "failed" and cannot be restored`);
  });

  it('providers missing from the registry are listed', async () => {
    const t = await backedUp(['limits', 'gate']);
    const other = backups({ dir: t.store.dir, configFiles: [join(t.live, 'app.yaml')], dataPaths: [join(t.live, 'data')], sqliteDatabases: [t.dbPath] });
    await expect(other.restore(t.manifest.id)).rejects.toThrow(
      `backup ${t.manifest.id} holds state of provider(s) gate, limits, which are not registered; register them or leave out 'state'`,
    );
  });
});

