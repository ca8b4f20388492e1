/** A dry-run restore over HTTP of a backup that must not be restored is a 409 naming why, never a 500 or a server path. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../../src/backup/manifest.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('POST /api/backups/:id/restore with an edited manifest', () => {
  it('an entry moved to a source this server does not have: 409 RESTORE_TARGET_UNKNOWN, no path', async () => {
    f = await fixture();
    const created = (await f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'data' } })).json<BackupManifest>();
    const file = join(f.backups.dir, created.id, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as BackupManifest;
    manifest.files[0]!.path = 'data/7/positions.json';
    manifest.files[0]!.origin = '/etc/passwd';
    await writeFile(file, JSON.stringify(manifest));
    const res = await f.app.inject({ method: 'POST', url: `/api/backups/${created.id}/restore`, payload: { dryRun: true } });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/data\/7\/positions\.json cannot be restored: dataPaths\[7\] is not configured here/);
    expect(res.body).not.toContain(f.backups.dir);
    expect(res.body).not.toContain('/etc/passwd');
  });

  it('an origin pointed elsewhere: the dry run plans the configured target, not the origin', async () => {
    f = await fixture();
    const created = (await f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'data' } })).json<BackupManifest>();
    const target = created.files[0]!.origin;
    const file = join(f.backups.dir, created.id, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as BackupManifest;
    manifest.files[0]!.origin = '/etc/passwd';
    await writeFile(file, JSON.stringify(manifest));
    const res = await f.app.inject({ method: 'POST', url: `/api/backups/${created.id}/restore`, payload: { dryRun: true } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ unchanged: [target], added: [], changed: [] });
  });
});
