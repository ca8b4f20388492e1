/**
 * An edited manifest: detected by verify and refused by restore (HMAC with the service's
 * backup-manifest key); and whatever a manifest says, a restore writes only to the targets
 * configured on the instance that restores, never where the manifest's `origin` points.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backups, type BackupManifest } from '../../src/backup/index.js';
import { canonicalJson, checkManifestSignature, signManifest } from '../../src/backup/manifest-signature.js';
import { ManualClock } from '../../src/core/clock.js';
import { loadServerKey } from '../../src/security/server-key.js';
import { put, START, tempDirs } from './fixtures.js';

const temp = tempDirs();

async function signedBackup() {
  const root = temp();
  const live = join(root, 'live');
  await put(join(live, 'app.yaml'), 'port: 8080\n');
  await put(join(live, 'data', 'a.txt'), 'alpha');
  const key = loadServerKey({ dataDir: join(root, 'service') }).derive('backup-manifest');
  const targets = { configFiles: [join(live, 'app.yaml')], dataPaths: [join(live, 'data')] };
  const store = backups({ dir: join(root, 'backups'), ...targets, manifestKey: key, clock: new ManualClock(START) });
  const manifest = await store.create();
  const manifestFile = join(store.dir, manifest.id, 'manifest.json');
  const edit = async (change: (m: BackupManifest) => void): Promise<void> => {
    const m = JSON.parse(await readFile(manifestFile, 'utf8')) as BackupManifest;
    change(m);
    await writeFile(manifestFile, JSON.stringify(m, null, 2));
  };
  return { root, live, key, targets, store, manifest, edit };
}

describe('manifest signature', () => {
  it('signs every manifest it writes, and verify says intact', async () => {
    const t = await signedBackup();
    expect(t.manifest.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(checkManifestSignature(t.manifest, t.key)).toBe('valid');
    expect(await t.store.verify(t.manifest.id)).toEqual([]);
  });

  it('an origin edited to point at another file: verify reports it, restore refuses and writes nothing there', async () => {
    const t = await signedBackup();
    const victim = join(t.root, 'victim.txt');
    await put(victim, 'untouched');
    await t.edit((m) => {
      m.files[0]!.origin = victim;
    });
    expect(await t.store.verify(t.manifest.id)).toEqual([{ path: 'manifest.json', origin: `backup ${t.manifest.id}`, reason: 'manifest-signature-mismatch' }]);
    await expect(t.store.restore(t.manifest.id)).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(await readFile(victim, 'utf8')).toBe('untouched');
  });

  it('a signature stripped (or an old unsigned backup): refused with the flag to accept it named; accepted when asked', async () => {
    const t = await signedBackup();
    await t.edit((m) => {
      delete m.signature;
    });
    expect((await t.store.verify(t.manifest.id))[0]?.reason).toBe('manifest-unsigned');
    await expect(t.store.restore(t.manifest.id)).rejects.toMatchObject({ code: 'BACKUP_UNSIGNED', message: expect.stringMatching(/--accept-unsigned/) });
    await writeFile(join(t.live, 'app.yaml'), 'port: 1\n');
    await t.store.restore(t.manifest.id, { acceptUnsigned: true });
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 8080\n');
  });

  it('a manifest signed with another key is a mismatch', async () => {
    const t = await signedBackup();
    const other = loadServerKey({ dataDir: join(t.root, 'elsewhere') }).derive('backup-manifest');
    expect(checkManifestSignature(t.manifest, other)).toBe('mismatch');
    expect(signManifest(t.manifest, t.key)).toBe(t.manifest.signature);
  });

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});

describe('restore targets', () => {
  it('with no key to check against, an edited origin still cannot aim a restore outside the configured targets', async () => {
    const root = temp();
    const live = join(root, 'live');
    await put(join(live, 'app.yaml'), 'port: 8080\n');
    const store = backups({ dir: join(root, 'backups'), configFiles: [join(live, 'app.yaml')], clock: new ManualClock(START) });
    const manifest = await store.create();
    const file = join(store.dir, manifest.id, 'manifest.json');
    const victim = join(root, 'elsewhere', 'authorized_keys');
    const m = JSON.parse(await readFile(file, 'utf8')) as BackupManifest;
    m.files[0]!.origin = victim;
    await writeFile(file, JSON.stringify(m));
    await writeFile(join(live, 'app.yaml'), 'port: 1\n');
    const result = await store.restore(manifest.id);
    expect(result.changed).toEqual([join(live, 'app.yaml')]);
    expect(await readFile(join(live, 'app.yaml'), 'utf8')).toBe('port: 8080\n');
    expect(existsSync(victim)).toBe(false);
  });

  it('an entry with no configured target is refused before anything is written, naming it', async () => {
    const t = await signedBackup();
    const elsewhere = backups({ dir: t.store.dir, configFiles: t.targets.configFiles, manifestKey: t.key });
    await writeFile(join(t.live, 'app.yaml'), 'port: 1\n');
    await expect(elsewhere.restore(t.manifest.id)).rejects.toMatchObject({ code: 'RESTORE_TARGET_UNKNOWN', message: expect.stringMatching(/data\/0\/a\.txt cannot be restored: dataPaths\[0\] is not configured here/) });
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 1\n');
    // Only the configured kinds: fine.
    await elsewhere.restore(t.manifest.id, { include: ['config'] });
    expect(await readFile(join(t.live, 'app.yaml'), 'utf8')).toBe('port: 8080\n');
  });

  it('a config target that now names another file is refused', async () => {
    const t = await signedBackup();
    const renamed = backups({ dir: t.store.dir, configFiles: [join(t.live, 'other.yaml')], dataPaths: t.targets.dataPaths, manifestKey: t.key });
    await expect(renamed.restore(t.manifest.id)).rejects.toThrow(/configFiles\[0\] now names other\.yaml, not app\.yaml/);
  });

  it('messages name the backups folder, not its server path', async () => {
    const t = await signedBackup();
    await expect(t.store.get('20991231-nope')).rejects.toThrow(/^no backup 20991231-nope in backups$/);
  });
});
