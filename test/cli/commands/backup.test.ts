import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { type BackupManifest } from '../../../src/backup/index.js';
import { registerBackup } from '../../../src/cli/commands/backup.js';
import { ManualClock } from '../../../src/core/clock.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { put, START, tempDirs, treeHash } from '../../backup/fixtures.js';

const temp = tempDirs();
const DAY = 86_400_000;

/** Runs `bulwark backup ...` in-process and returns what it printed. */
function cli(clock: ManualClock, tty = false) {
  return async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('bulwark').exitOverride();
    program.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    registerBackup(program, {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: tty },
      clock,
      env: {},
    });
    await program.parseAsync(['node', 'bulwark', 'backup', ...args]);
    return { out: out.join(''), err: err.join('') };
  };
}

async function setup() {
  const root = temp();
  await put(join(root, 'app.yaml'), 'port: 8080\n');
  await put(join(root, 'data', 'a.txt'), 'alpha');
  const clock = new ManualClock(START);
  const dir = join(root, 'backups');
  return { root, dir, clock, run: cli(clock) };
}

describe('bulwark backup', () => {
  it('create, then list with tag and type filters', async () => {
    const { root, dir, clock, run } = await setup();
    const created = await run('create', '--dir', dir, '--config-file', join(root, 'app.yaml'), '--data', join(root, 'data'), '--tag', 'nightly', '--description', 'first');
    expect(created.out).toMatch(/^Created backup \S+ \(full\): 2 files, 16 B in /);
    await clock.advance(1000);
    const json = await run('create', '--dir', dir, '--type', 'config', '--config-file', join(root, 'app.yaml'), '--json');
    const second = JSON.parse(json.out) as BackupManifest;
    expect(second.type).toBe('config');

    const all = await run('list', '--dir', dir);
    const lines = all.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+CREATED/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(second.id);
    const nightly = JSON.parse((await run('list', '--dir', dir, '--tag', 'nightly', '--json')).out) as BackupManifest[];
    expect(nightly.map((m) => m.description)).toEqual(['first']);
    const configs = JSON.parse((await run('list', '--dir', dir, '--type', 'config', '--json')).out) as BackupManifest[];
    expect(configs.map((m) => m.id)).toEqual([second.id]);
    expect((await run('list', '--dir', join(root, 'empty'))).out).toBe('No backups.\n');
  });

  it('restore --dry-run prints the plan and changes nothing; restore then applies it', async () => {
    const { root, dir, run } = await setup();
    await run('create', '--dir', dir, '--config-file', join(root, 'app.yaml'), '--data', join(root, 'data'));
    await writeFile(join(root, 'app.yaml'), 'port: 1\n');
    const before = await treeHash(root);

    // Restore writes to the targets it is given (as create was), never where a manifest says.
    const targets = ['--config-file', join(root, 'app.yaml'), '--data', join(root, 'data')];
    const dry = await run('restore', 'latest', '--dir', dir, '--dry-run', ...targets);
    expect(await treeHash(root)).toBe(before);
    expect(dry.out).toContain('Dry run of restoring');
    expect(dry.out).toContain(`would change: 1\n  ${join(root, 'app.yaml')}`);
    expect(dry.out).toContain(`unchanged: 1\n  ${join(root, 'data', 'a.txt')}`);

    const real = await run('restore', 'latest', '--dir', dir, ...targets);
    expect(real.out).toContain(`changed: 1\n  ${join(root, 'app.yaml')}`);
    expect(await readFile(join(root, 'app.yaml'), 'utf8')).toBe('port: 8080\n');
  });

  it('restore refuses a corrupted backup, naming the file', async () => {
    const { root, dir, run } = await setup();
    const manifest = JSON.parse((await run('create', '--dir', dir, '--data', join(root, 'data'), '--json')).out) as BackupManifest;
    await writeFile(join(dir, manifest.id, manifest.files[0]!.path), 'tampered');
    await expect(run('restore', manifest.id, '--dir', dir, '--data', join(root, 'data'))).rejects.toThrow(manifest.files[0]!.path);
    await expect(run('verify', manifest.id, '--dir', dir)).rejects.toThrow(`${manifest.files[0]!.path} (size-mismatch)`);
  });

  it('prune keeps the newest N or those younger than D days', async () => {
    const { root, dir, clock, run } = await setup();
    for (let i = 0; i < 4; i++) {
      await run('create', '--dir', dir, '--config-file', join(root, 'app.yaml'));
      await clock.advance(DAY);
    }
    const dry = await run('prune', '--dir', dir, '--keep-last', '3', '--dry-run');
    expect(dry.out).toMatch(/^Would remove 1 backup\(s\), kept 3\./);
    expect(JSON.parse((await run('list', '--dir', dir, '--json')).out)).toHaveLength(4);
    await run('prune', '--dir', dir, '--max-age-days', '2.5');
    expect(JSON.parse((await run('list', '--dir', dir, '--json')).out)).toHaveLength(2);
  });

  it('recover says when there is nothing to recover', async () => {
    const { dir, run } = await setup();
    expect((await run('recover', '--dir', dir)).out).toBe('No interrupted restore.\n');
  });

  it('rejects bad arguments with the option named', async () => {
    const { dir, run } = await setup();
    await expect(run('prune', '--dir', dir, '--keep-last', '0')).rejects.toThrow('--keep-last must be an integer >= 1, got 0');
    await expect(run('prune', '--dir', dir)).rejects.toThrow('give --keep-last N, --max-age-days D, or both');
    // An empty data folder of its own: the default (./.bulwark) holds a database wherever the demo ran.
    await expect(run('create', '--dir', dir, '--data-dir', join(dir, 'no-service-here'))).rejects.toThrow('nothing to back up');
    await expect(run('create', '--dir', dir, '--type', 'everything', '--data', dir)).rejects.toThrow("'everything' is invalid");
    await expect(run('restore', 'latest', '--dir', dir, '--only', 'files')).rejects.toThrow('"files" is not one of');
  });

  it('shows progress for a large backup: a bar on a terminal, 25 % steps in a log', async () => {
    const { root, dir, clock } = await setup();
    await put(join(root, 'big', 'blob.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    const log = await cli(clock, false)('create', '--dir', dir, '--data', join(root, 'big'));
    const steps = log.err.trim().split('\n');
    expect(steps.map((l) => l.match(/: (\d+)%/)?.[1])).toEqual(['0', '25', '50', '75', '100']);
    const tty = await cli(clock, true)('create', '--dir', dir, '--data', join(root, 'big'));
    expect(tty.err).toContain('\rbacking up [');
    expect(tty.err).toContain('100% 3.0 MiB / 3.0 MiB');
    expect(tty.err.endsWith('\n')).toBe(true);
    // A small backup prints no progress at all.
    const small = await cli(clock, false)('create', '--dir', dir, '--data', join(root, 'data'));
    expect(small.err).toBe('');
  });

  it("create with no sources backs up the service's database found in --data-dir, into <dataDir>/backups", async () => {
    const { root, clock, run } = await setup();
    const dataDir = join(root, 'service');
    const db = await sqliteStorage({ dataDir });
    await db.close();
    const manifest = JSON.parse((await run('create', '--data-dir', dataDir, '--json')).out) as BackupManifest;
    expect(manifest.files.map((f) => [f.kind, f.origin])).toEqual([['sqlite', resolve(dataDir, 'bulwark.db')]]);
    const listed = JSON.parse((await cli(clock)('list', '--data-dir', dataDir, '--json')).out) as BackupManifest[];
    expect(listed.map((m) => m.id)).toEqual([manifest.id]);
    await expect(run('create', '--data-dir', join(root, 'empty'))).rejects.toThrow(/nothing to back up: no database at .*empty.*bulwark\.db; start the service first/);
  });

  it('verify --json prints the verdict as JSON', async () => {
    const { root, dir, run } = await setup();
    await run('create', '--dir', dir, '--data', join(root, 'data'));
    expect(JSON.parse((await run('verify', 'latest', '--dir', dir, '--json')).out)).toMatchObject({ intact: true, problems: [] });
  });
});
