/**
 * After the service key is rotated, backups signed by the previous key still verify and restore
 * while that key is known as a previous key (and say which key signed them); once it is dropped,
 * they are refused with a message naming the key id that signed them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backups, type BackupManifest } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { backupManifestKeys, keyFileText, loadServerKey } from '../../src/security/server-key.js';
import { put, START, tempDirs } from './fixtures.js';

const temp = tempDirs();
const OLD = 'ab'.repeat(32);
const NEW = 'cd'.repeat(32);

async function oldBackup() {
  const root = temp();
  const live = join(root, 'live');
  await put(join(live, 'data', 'a.txt'), 'alpha');
  const targets = { dataPaths: [join(live, 'data')] };
  const oldKey = loadServerKey({ env: { BULWARK_SECURITY_KEY: OLD } });
  const before = backups({ dir: join(root, 'backups'), ...targets, ...backupManifestKeys(oldKey), clock: new ManualClock(START) });
  const manifest = await before.create();
  await put(join(live, 'data', 'a.txt'), 'changed since');
  return { root, live, targets, oldKey, manifest };
}

describe('backups after a key rotation', () => {
  it('names the signing key in each manifest', async () => {
    const t = await oldBackup();
    const stored = JSON.parse(await readFile(join(t.root, 'backups', t.manifest.id, 'manifest.json'), 'utf8')) as BackupManifest;
    expect(stored.keyId).toBe(t.oldKey.id);
    expect(stored.keyId).toMatch(/^key-[0-9a-f]{16}$/);
  });

  it('an old backup verifies and restores with the previous key known, and says which key signed it; new ones sign with the current key', async () => {
    const t = await oldBackup();
    // The rotated key file: the new key first, the old one kept after it.
    await put(join(t.root, 'service', 'security.key'), keyFileText(Buffer.from(NEW, 'hex'), [Buffer.from(OLD, 'hex')]));
    const rotated = loadServerKey({ dataDir: join(t.root, 'service'), env: {}, create: false });
    expect(rotated.previous.map((k) => k.id)).toEqual([t.oldKey.id]);
    const store = backups({ dir: join(t.root, 'backups'), ...t.targets, ...backupManifestKeys(rotated), clock: new ManualClock(START + 1_000) });
    expect(await store.signature(t.manifest.id)).toEqual({ check: 'valid', keyId: t.oldKey.id });
    expect(await store.verify(t.manifest.id)).toEqual([]);
    await store.restore(t.manifest.id);
    expect(await readFile(join(t.live, 'data', 'a.txt'), 'utf8')).toBe('alpha');

    const fresh = await store.create();
    expect(fresh.keyId).toBe(rotated.id);
    expect(await store.signature(fresh.id)).toEqual({ check: 'valid', keyId: rotated.id });
  });

  it('previous keys also come from BULWARK_SECURITY_PREVIOUS_KEYS', async () => {
    const t = await oldBackup();
    const rotated = loadServerKey({ env: { BULWARK_SECURITY_KEY: NEW, BULWARK_SECURITY_PREVIOUS_KEYS: OLD } });
    const store = backups({ dir: join(t.root, 'backups'), ...t.targets, ...backupManifestKeys(rotated) });
    expect(await store.signature(t.manifest.id)).toEqual({ check: 'valid', keyId: t.oldKey.id });
  });

  it('once the previous key is dropped, the old backup is refused with a message naming the key id that signed it', async () => {
    const t = await oldBackup();
    const onlyNew = loadServerKey({ env: { BULWARK_SECURITY_KEY: NEW } });
    const store = backups({ dir: join(t.root, 'backups'), ...t.targets, ...backupManifestKeys(onlyNew) });
    expect(await store.signature(t.manifest.id)).toEqual({ check: 'mismatch', keyId: t.oldKey.id });
    expect(await store.verify(t.manifest.id)).toEqual([expect.objectContaining({ reason: 'manifest-signature-mismatch', keyId: t.oldKey.id })]);
    await expect(store.restore(t.manifest.id)).rejects.toMatchObject({ code: 'BACKUP_CORRUPT', message: expect.stringContaining(`signed by ${t.oldKey.id}, not a known key`) });
    expect(await readFile(join(t.live, 'data', 'a.txt'), 'utf8')).toBe('changed since');
  });
});
