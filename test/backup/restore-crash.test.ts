import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backups, JOURNAL_FILE } from '../../src/backup/index.js';
import { dbValues, execOn, put, tempDirs, walDatabase } from './fixtures.js';

const temp = tempDirs();
const child = fileURLToPath(new URL('./support/restore-then-hang.ts', import.meta.url));

/** Runs the child until it reports that files were replaced, then kills it with SIGKILL. */
function restoreAndKill(dir: string, id: string, configFile: string, database: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, id, configFile, database], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('replaced')) proc.kill('SIGKILL');
    });
    proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

describe('restore killed with SIGKILL', () => {
  it('leaves a journal from which recover() puts the previous files and database back', async () => {
    const root = temp();
    const live = join(root, 'live');
    await put(join(live, 'app.yaml'), 'v1\n');
    const dbPath = join(live, 'store.db');
    walDatabase(dbPath, 'v1');
    const dir = join(root, 'backups');
    const store = backups({ dir, configFiles: [join(live, 'app.yaml')], sqliteDatabases: [dbPath] });
    store.register('hangs', { snapshot: async () => ({ v: 1 }), restore: async () => undefined });
    const { id } = await store.create();

    await writeFile(join(live, 'app.yaml'), 'v2\n');
    execOn(dbPath, "UPDATE t SET v = 'v2'");

    await restoreAndKill(dir, id, join(live, 'app.yaml'), dbPath);
    // The dead restore had replaced both; its journal is still there.
    expect(await readFile(join(live, 'app.yaml'), 'utf8')).toBe('v1\n');
    expect(await readdir(dir)).toContain(JOURNAL_FILE);

    const result = await backups({ dir }).recover();
    expect(result?.outcome).toBe('rolled-back');
    expect(result?.errors).toEqual([]);
    expect(await readFile(join(live, 'app.yaml'), 'utf8')).toBe('v2\n');
    expect(dbValues(dbPath)).toEqual(['v2']);
    expect((await readdir(live)).filter((n) => n.includes('bulwark-'))).toEqual([]);
  });
});
