import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupCorruptError, backups, RestoreFailedError, type StateProvider } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { dbValues, execOn, put, START, tempDirs, treeHash, walDatabase } from './fixtures.js';

const temp = tempDirs();

/** A provider holding one value in memory. */
function memoryProvider(initial: unknown): StateProvider & { value: unknown } {
  const p = {
    value: initial,
    snapshot: async () => p.value,
    restore: async (state: unknown) => {
      p.value = state;
    },
  };
  return p;
}

/** A live tree (config, data dir, SQLite db) and a backup of it. */
async function backedUp() {
  const root = temp();
  const live = join(root, 'live');
  await put(join(live, 'app.yaml'), 'port: 8080\n');
  await put(join(live, 'data', 'a.txt'), 'alpha');
  await put(join(live, 'data', 'b.txt'), 'beta');
  await put(join(live, 'data', 'sub', 'c.txt'), 'gamma');
  const dbPath = join(live, 'store.db');
  walDatabase(dbPath, 'backed-up');
  const provider = memoryProvider({ level: 'backed-up' });
  const store = backups({
    dir: join(root, 'backups'),
    configFiles: [join(live, 'app.yaml')],
    dataPaths: [join(live, 'data')],
    sqliteDatabases: [dbPath],
    clock: new ManualClock(START),
  });
  store.register('limits', provider);
  const manifest = await store.create();
  return { root, live, dbPath, store, manifest, provider };
}

/** Changes the live tree after the backup: one file edited, one deleted, the db and provider changed. */
async function drift(t: Awaited<ReturnType<typeof backedUp>>): Promise<void> {
  await writeFile(join(t.live, 'app.yaml'), 'port: 9999\n');
  await rm(join(t.live, 'data', 'b.txt'));
  execOn(t.dbPath, "DELETE FROM t; INSERT INTO t VALUES ('drifted')");
  t.provider.value = { level: 'drifted' };
}

describe('restore', () => {
  it('puts back files, the SQLite database and provider state', async () => {
    const t = await backedUp();
    await drift(t);
    const result = await t.store.restore(t.manifest.id);
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 8080\n');
    expect(await readFile(join(t.live, 'data', 'b.txt'), 'utf8')).toBe('beta');
    expect(dbValues(t.dbPath)).toEqual(['backed-up']);
    expect(t.provider.value).toEqual({ level: 'backed-up' });
    expect(result.added).toEqual([join(t.live, 'data', 'b.txt')]);
    expect(result.changed.sort()).toEqual([join(t.live, 'app.yaml'), t.dbPath].sort());
    expect(result.providers).toEqual(['limits']);
    // No temp or rollback files are left behind.
    expect((await readdir(t.live)).filter((n) => n.includes('bulwark-'))).toEqual([]);
  });

  it('dry run reports added, changed and unchanged files and providers, and changes nothing', async () => {
    const t = await backedUp();
    await drift(t);
    const before = await treeHash(t.root);
    const result = await t.store.restore(t.manifest.id, { dryRun: true });
    expect(await treeHash(t.root)).toBe(before);
    expect(t.provider.value).toEqual({ level: 'drifted' });
    expect(result).toEqual({
      id: t.manifest.id,
      dryRun: true,
      added: [join(t.live, 'data', 'b.txt')],
      changed: [join(t.live, 'app.yaml'), t.dbPath],
      unchanged: [join(t.live, 'data', 'a.txt'), join(t.live, 'data', 'sub', 'c.txt')],
      providers: ['limits'],
    });
  });

  it('refuses a backup with one corrupted file, naming it, and changes nothing', async () => {
    const t = await backedUp();
    await drift(t);
    const entry = t.manifest.files.find((f) => f.origin.endsWith('a.txt'))!;
    await writeFile(join(t.store.dir, t.manifest.id, entry.path), 'alphX'); // same size, other bytes
    const before = await treeHash(t.root);

    const error = await t.store.restore(t.manifest.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupCorruptError);
    expect((error as BackupCorruptError).code).toBe('BACKUP_CORRUPT');
    expect((error as Error).message).toContain(entry.path);
    expect((error as BackupCorruptError).problems).toEqual([{ path: entry.path, origin: entry.origin, reason: 'checksum-mismatch' }]);
    expect(await treeHash(t.root)).toBe(before);
    expect(t.provider.value).toEqual({ level: 'drifted' });
    expect(dbValues(t.dbPath)).toEqual(['drifted']);
  });

  it('refuses when a backed-up file is missing or truncated', async () => {
    const t = await backedUp();
    const [first, second] = t.manifest.files.filter((f) => f.kind === 'data');
    await rm(join(t.store.dir, t.manifest.id, first!.path));
    await writeFile(join(t.store.dir, t.manifest.id, second!.path), '');
    const problems = await t.store.verify(t.manifest.id);
    expect(problems.map((p) => [p.path, p.reason])).toEqual([
      [first!.path, 'missing'],
      [second!.path, 'size-mismatch'],
    ]);
    await expect(t.store.restore(t.manifest.id)).rejects.toThrow(first!.path);
  });

  it('a restore that fails part-way (a provider throws after files and database were replaced) leaves the previous state', async () => {
    const t = await backedUp();
    const failing = memoryProvider({ n: 1 });
    t.store.register('zz-failing', failing);
    const manifest = await t.store.create();
    await drift(t);
    let calls = 0;
    failing.restore = async (state: unknown) => {
      calls += 1;
      if (calls === 1) throw new Error('provider refused'); // the restore fails; putting back its old state works
      failing.value = state;
    };
    const dataBefore = await treeHash(join(t.live, 'data'));

    const error = await t.store.restore(manifest.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestoreFailedError);
    expect((error as Error).message).toContain('provider refused');
    expect((error as RestoreFailedError).rollbackErrors).toEqual([]);
    // Files, database and the provider restored before the failure are all back as they were.
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 9999\n');
    expect(await treeHash(join(t.live, 'data'))).toBe(dataBefore);
    expect(dbValues(t.dbPath)).toEqual(['drifted']);
    expect(t.provider.value).toEqual({ level: 'drifted' });
    expect(failing.value).toEqual({ n: 1 });
    // No temp or rollback copies are left once the rollback succeeded.
    expect((await readdir(t.live)).filter((n) => n.includes('bulwark-'))).toEqual([]);
  });

  it('reports a rollback that fails and still puts back everything else', async () => {
    const t = await backedUp();
    await drift(t);
    t.provider.restore = async () => {
      throw new Error('provider is down');
    };
    const error = (await t.store.restore(t.manifest.id).catch((e: unknown) => e)) as RestoreFailedError;
    expect(error).toBeInstanceOf(RestoreFailedError);
    expect(error.rollbackErrors).toHaveLength(1);
    expect(error.message).toContain('rollback met 1 error(s): provider is down');
    expect(error.keptRollbackCopies).toEqual([]);
    // The files and the database were still put back.
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 9999\n');
    expect(dbValues(t.dbPath)).toEqual(['drifted']);
    expect((await readdir(t.live)).filter((n) => n.includes('bulwark-'))).toEqual([]);
  });

  it('a restore that fails while staging files changes nothing', async () => {
    const t = await backedUp();
    await drift(t);
    // Where data/sub/ was a folder there is now a file: staging data/sub/c.txt cannot succeed.
    await rm(join(t.live, 'data', 'sub'), { recursive: true });
    await writeFile(join(t.live, 'data', 'sub'), 'in the way');
    const before = await treeHash(t.live);

    const error = await t.store.restore(t.manifest.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestoreFailedError);
    expect(await treeHash(t.live)).toBe(before);
    expect(t.provider.value).toEqual({ level: 'drifted' });
  });

  it('restores only the kinds asked for', async () => {
    const t = await backedUp();
    await drift(t);
    const result = await t.store.restore(t.manifest.id, { include: ['config'] });
    expect(result.changed).toEqual([join(t.live, 'app.yaml')]);
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 8080\n');
    expect(dbValues(t.dbPath)).toEqual(['drifted']);
    expect(t.provider.value).toEqual({ level: 'drifted' });
  });

  it('refuses, before changing anything, when a provider in the backup is not registered', async () => {
    const t = await backedUp();
    await drift(t);
    // The same targets, no provider: files go back only to targets configured on the instance that restores.
    const other = backups({ dir: t.store.dir, configFiles: [join(t.live, 'app.yaml')], dataPaths: [join(t.live, 'data')], sqliteDatabases: [t.dbPath] });
    const before = await treeHash(t.live);
    await expect(other.restore(t.manifest.id)).rejects.toMatchObject({ code: 'RESTORE_PROVIDER_MISSING' });
    expect(await treeHash(t.live)).toBe(before);
    // Leaving state out works without the provider.
    await other.restore(t.manifest.id, { include: ['config', 'data', 'sqlite'] });
    expect(dbValues(t.dbPath)).toEqual(['backed-up']);
  });

  it('rejects an unknown kind in include, naming it', async () => {
    const t = await backedUp();
    await expect(t.store.restore(t.manifest.id, { include: ['files' as never] })).rejects.toThrow('restore: include holds "files"');
  });

  it('refuses a backup that is not complete', async () => {
    const root = temp();
    const store = backups({ dir: join(root, 'b'), configFiles: [join(root, 'missing.yaml')], clock: new ManualClock(START) });
    await store.create().catch(() => undefined);
    const [failed] = await store.list();
    await expect(store.restore(failed!.id)).rejects.toMatchObject({ code: 'BACKUP_INCOMPLETE' });
  });
});
