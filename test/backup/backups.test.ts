import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupError, backups, type BackupProgress } from '../../src/backup/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { put, seeded, sha256, START, tempDirs } from './fixtures.js';

const temp = tempDirs();

async function setup() {
  const root = temp();
  const clock = new ManualClock(START);
  await put(join(root, 'etc', 'app.yaml'), 'port: 8080\n');
  await put(join(root, 'etc', 'alerts.yaml'), 'rules: []\n');
  await put(join(root, 'data', 'a.txt'), 'alpha');
  await put(join(root, 'data', 'nested', 'b.bin'), Buffer.from([0, 1, 2, 3, 255]));
  await put(join(root, 'single.json'), '{"x":1}');
  const store = backups({
    dir: join(root, 'backups'),
    configFiles: [join(root, 'etc', 'app.yaml'), join(root, 'etc', 'alerts.yaml')],
    dataPaths: [join(root, 'data'), join(root, 'single.json')],
    clock,
    random: seeded(1),
  });
  return { root, clock, store };
}

describe('backups: create', () => {
  it('writes a complete manifest with id, type, tags, description, time, counts and a SHA-256 per file', async () => {
    const { root, store } = await setup();
    store.register('breaker', { snapshot: async () => ({ state: 'open' }), restore: async () => undefined });
    const manifest = await store.create({ tags: ['nightly'], description: 'before deploy' });

    expect(manifest.status).toBe('complete');
    expect(manifest.type).toBe('full');
    expect(manifest.tags).toEqual(['nightly']);
    expect(manifest.description).toBe('before deploy');
    expect(manifest.createdAt).toBe(new Date(START).toISOString());
    expect(manifest.id.startsWith('20260101T000000000Z-')).toBe(true);
    expect(manifest.providers).toEqual(['breaker']);
    const origins = manifest.files.map((f) => f.origin).sort();
    expect(origins).toEqual(
      [
        join(root, 'etc', 'alerts.yaml'),
        join(root, 'etc', 'app.yaml'),
        join(root, 'data', 'a.txt'),
        join(root, 'data', 'nested', 'b.bin'),
        join(root, 'single.json'),
        'provider:breaker',
      ].sort(),
    );
    expect(manifest.fileCount).toBe(6);
    expect(manifest.bytes).toBe(manifest.files.reduce((s, f) => s + f.bytes, 0));

    // Every checksum matches an independent hash of the original file.
    for (const file of manifest.files) {
      const stored = await readFile(join(store.dir, manifest.id, file.path));
      expect(file.sha256).toBe(sha256(stored));
      expect(file.bytes).toBe(stored.length);
      if (file.kind !== 'state') expect(stored.equals(await readFile(file.origin))).toBe(true);
    }
    const state = manifest.files.find((f) => f.kind === 'state');
    expect(JSON.parse(await readFile(join(store.dir, manifest.id, state!.path), 'utf8'))).toEqual({ state: 'open' });

    // The manifest on disk is the one returned.
    const onDisk: unknown = JSON.parse(await readFile(join(store.dir, manifest.id, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(manifest);
  });

  it('takes only the sources of the type asked for', async () => {
    const { store } = await setup();
    store.register('p', { snapshot: async () => 1, restore: async () => undefined });
    const kinds = async (type: 'config' | 'data' | 'state') => [...new Set((await store.create({ type })).files.map((f) => f.kind))];
    expect(await kinds('config')).toEqual(['config']);
    expect(await kinds('data')).toEqual(['data']);
    expect(await kinds('state')).toEqual(['state']);
  });

  it('does not back up the backup folder when it lies inside a data directory', async () => {
    const root = temp();
    await put(join(root, 'data', 'x.txt'), 'x');
    const store = backups({ dir: join(root, 'data', 'backups'), dataPaths: [join(root, 'data')], clock: new ManualClock(START) });
    await store.create();
    const second = await store.create();
    expect(second.files.map((f) => f.origin)).toEqual([join(root, 'data', 'x.txt')]);
  });

  it('records a failed backup with the reason when a source is missing, naming the option and path', async () => {
    const root = temp();
    const missing = join(root, 'nope.yaml');
    const store = backups({ dir: join(root, 'b'), configFiles: [missing], clock: new ManualClock(START) });
    const failures: string[] = [];
    store.on('failed', ({ id }) => failures.push(id));
    await expect(store.create()).rejects.toThrow(`configFiles[0]: ${missing} must be file, but nothing is there`);
    const [failed] = await store.list();
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toContain(missing);
    expect(failures).toEqual([failed?.id]);
  });

  it('reports progress up to the total bytes', async () => {
    const { store } = await setup();
    const seen: BackupProgress[] = [];
    store.on('progress', (p) => seen.push(p));
    const manifest = await store.create({ type: 'data' });
    const last = seen.at(-1)!;
    expect(last.doneBytes).toBe(last.totalBytes);
    expect(last.totalBytes).toBe(manifest.bytes);
    expect(last.doneFiles).toBe(manifest.fileCount);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.doneBytes).toBeGreaterThanOrEqual(seen[i - 1]!.doneBytes);
  });

  it('rejects bad options with the option named', () => {
    expect(() => backups({ dir: '' })).toThrow('backups: dir must be a non-empty string, got ""');
    expect(() => backups({ dir: 'x', dataPaths: 'oops' as unknown as string[] })).toThrow('backups: dataPaths must be an array');
    const store = backups({ dir: 'x' });
    expect(() => store.register('a/b', { snapshot: async () => 1, restore: async () => undefined })).toThrow('name "a/b"');
    expect(() => store.register('ok', {} as never)).toThrow('must have snapshot() and restore(state)');
    store.register('ok', { snapshot: async () => 1, restore: async () => undefined });
    expect(() => store.register('ok', { snapshot: async () => 1, restore: async () => undefined })).toThrow('already registered');
  });

  it('rejects a bad type or tag before writing anything', async () => {
    const { store } = await setup();
    await expect(store.create({ type: 'everything' as never })).rejects.toThrow(RangeError);
    await expect(store.create({ tags: [''] })).rejects.toThrow('backups.create: tags[0] must be a non-empty string, got ""');
    await expect(store.create({ tags: ['a,b'] })).rejects.toThrow('backups.create: tags[0] must not contain a comma, got "a,b"');
    expect(await store.list()).toEqual([]);
  });

  it('refuses to create an empty backup, naming what to configure', async () => {
    const { store } = await setup();
    await expect(store.create({ type: 'state' })).rejects.toThrow('nothing to back up for type "state"; configure a provider with register()');
    await expect(backups({ dir: join(temp(), 'b') }).create()).rejects.toThrow('nothing to back up for type "full"');
    expect(await store.list()).toEqual([]);
  });

  it('fails clearly when a provider snapshot is not JSON', async () => {
    const { store } = await setup();
    store.register('bad', { snapshot: async () => undefined, restore: async () => undefined });
    await expect(store.create({ type: 'state' })).rejects.toThrow('provider:bad: snapshot() returned undefined');
  });
});

describe('backups: list and get', () => {
  it('lists newest first and filters by tag, type and status', async () => {
    const { clock, store } = await setup();
    const a = await store.create({ type: 'config', tags: ['nightly'] });
    await clock.advance(1000);
    const b = await store.create({ type: 'data', tags: ['nightly', 'pre-deploy'] });
    await clock.advance(1000);
    const c = await store.create({ type: 'full', tags: ['manual'] });

    const ids = async (filter?: Parameters<typeof store.list>[0]) => (await store.list(filter)).map((m) => m.id);
    expect(await ids()).toEqual([c.id, b.id, a.id]);
    expect(await ids({ tag: 'nightly' })).toEqual([b.id, a.id]);
    expect(await ids({ tag: 'pre-deploy' })).toEqual([b.id]);
    expect(await ids({ type: 'config' })).toEqual([a.id]);
    expect(await ids({ type: 'data', tag: 'manual' })).toEqual([]);
    expect(await ids({ status: 'complete' })).toEqual([c.id, b.id, a.id]);
    await expect(store.list({ type: 'nope' as never })).rejects.toThrow('backups.list: type must be one of');
  });

  it('gets by id and by "latest", and names what is missing', async () => {
    const { clock, store } = await setup();
    await expect(store.get('latest')).rejects.toMatchObject({ code: 'BACKUP_NOT_FOUND' });
    const first = await store.create();
    await clock.advance(5);
    const second = await store.create();
    expect((await store.get(first.id)).id).toBe(first.id);
    expect((await store.get('latest')).id).toBe(second.id);
    const missing = await store.get('20990101T000000000Z-000000').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BackupError);
    expect((missing as BackupError).code).toBe('BACKUP_NOT_FOUND');
    await expect(store.get('../etc')).rejects.toThrow(RangeError);
  });

  it('skips a folder with a broken manifest and reports it', async () => {
    const { store } = await setup();
    const good = await store.create();
    await put(join(store.dir, 'junk', 'manifest.json'), '{"id": 1}');
    const invalid: string[] = [];
    store.on('invalid', ({ folder }) => invalid.push(folder));
    expect((await store.list()).map((m) => m.id)).toEqual([good.id]);
    expect(invalid).toEqual([join(store.dir, 'junk')]);
  });

  it('rejects a manifest whose file path leaves the backup folder, naming the field', async () => {
    const { store } = await setup();
    const good = await store.create({ type: 'config' });
    const file = join(store.dir, good.id, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { files: Array<{ path: string }> };
    manifest.files[0]!.path = '../../etc/passwd';
    await put(file, JSON.stringify(manifest));
    await expect(store.get(good.id)).rejects.toThrow('invalid manifest field "files.0.path": must be a relative path inside the backup folder');
  });

  it('lists nothing when the folder does not exist yet', async () => {
    expect(await backups({ dir: join(temp(), 'none') }).list()).toEqual([]);
  });
});
