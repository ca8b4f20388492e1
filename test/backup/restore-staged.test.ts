/**
 * A backup file that changes after verification (disk rot, another process, a bad copy) must not
 * be restored: each file is hashed again as it is staged, and a mismatch undoes the restore
 * before anything visible has changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupCorruptError, backups, type BackupManifest } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { dbValues, execOn, put, START, tempDirs, treeHash, walDatabase } from './fixtures.js';

const temp = tempDirs();

/** A live tree (two config files, a data dir, a SQLite db), a backup of it, then drift. */
async function driftedAfterBackup() {
  const root = temp();
  const live = join(root, 'live');
  await put(join(live, 'app.yaml'), 'port: 8080\n');
  await put(join(live, 'rules.yaml'), 'max: 1\n');
  await put(join(live, 'data', 'a.txt'), 'alpha');
  const dbPath = join(live, 'store.db');
  walDatabase(dbPath, 'backed-up');
  const dir = join(root, 'backups');
  const store = backups({ dir, configFiles: [join(live, 'app.yaml'), join(live, 'rules.yaml')], dataPaths: [join(live, 'data')], sqliteDatabases: [dbPath], clock: new ManualClock(START) });
  const manifest = await store.create();
  await put(join(live, 'app.yaml'), 'port: 9999\n');
  await put(join(live, 'rules.yaml'), 'max: 9\n');
  await put(join(live, 'data', 'a.txt'), 'omega');
  execOn(dbPath, "DELETE FROM t; INSERT INTO t VALUES ('drifted')");
  return { live, dbPath, dir, store, manifest };
}

/** The backup's copy of the live file `origin`. */
function backupCopyOf(dir: string, manifest: BackupManifest, origin: string): { path: string; entry: string } {
  const entry = manifest.files.find((f) => f.origin === origin);
  if (!entry) throw new Error(`no entry for ${origin}`);
  return { path: join(dir, manifest.id, ...entry.path.split('/')), entry: entry.path };
}

describe('restore: a backup file changed between verification and staging', () => {
  it.each([
    ['the first file staged', 0],
    ['a later file, after others were staged', 1],
  ])('%s: refused as corrupt, nothing restored, no temp files or journal left', async (_name, index) => {
    const t = await driftedAfterBackup();
    const staged: string[] = [];
    let armed = true;
    let repair = (): void => undefined;
    // Progress reports each file just before it is staged: swap the backup's bytes at that moment
    // (same size, so only the hash can tell).
    t.store.on('progress', (p) => {
      if (!armed || p.operation !== 'restore' || staged.includes(p.current)) return;
      staged.push(p.current);
      if (staged.length !== index + 1) return;
      const copy = backupCopyOf(t.dir, t.manifest, p.current);
      const original = readFileSync(copy.path);
      const bytes = Buffer.from(original);
      bytes[0] = bytes[0] === 0x58 ? 0x59 : 0x58;
      writeFileSync(copy.path, bytes);
      repair = () => writeFileSync(copy.path, original);
    });
    const before = await treeHash(t.live);

    const error = await t.store.restore(t.manifest.id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BackupCorruptError);
    const tampered = staged[index] as string;
    expect((error as BackupCorruptError).problems).toEqual([{ path: backupCopyOf(t.dir, t.manifest, tampered).entry, origin: tampered, reason: 'checksum-mismatch' }]);
    // The live tree is exactly as it was: no file replaced, no temp or rollback copy left.
    expect(await treeHash(t.live)).toBe(before);
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 9999\n');
    expect(dbValues(t.dbPath)).toEqual(['drifted']);
    // No restore journal is left: once the backup is intact again, the next restore is not
    // refused as interrupted, and it restores.
    armed = false;
    repair();
    await t.store.restore(t.manifest.id);
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 8080\n');
    expect(await readFile(join(t.live, 'rules.yaml'), 'utf8')).toBe('max: 1\n');
    expect(dbValues(t.dbPath)).toEqual(['backed-up']);
  });
});
