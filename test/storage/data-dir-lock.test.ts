/**
 * The data-directory lock against real processes: a child holds it, another start and a
 * `bulwark backup restore` into that folder refuse; after the child is SIGKILLed the stale lock
 * is taken over; after a clean stop the file is gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { registerBackup } from '../../src/cli/commands/backup.js';
import { ManualClock } from '../../src/core/clock.js';
import { DATA_DIR_LOCK_FILE, DataDirLockedError, assertDataDirFree, isLockAlive, lockDataDir, lockHolder, processIdentity } from '../../src/storage/data-dir-lock.js';
import { tempDir } from './helpers.js';

const holder = fileURLToPath(new URL('./fixtures/lock-holder.ts', import.meta.url));
const temp = tempDir('bulwark-lock-');
afterAll(() => temp.remove());
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts a child holding `dir`'s lock; resolves once it printed "locked". */
function hold(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => (c.toString().includes('locked') ? resolve(child) : undefined));
    child.on('exit', (code) => reject(new Error(`lock holder exited (${String(code)}): ${stderr}`)));
  });
}

const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));

async function backupCli(...args: string[]): Promise<string> {
  const out: string[] = [];
  const program = new Command('bulwark').exitOverride();
  registerBackup(program, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => undefined, isTTY: false }, clock: new ManualClock(Date.UTC(2026, 0, 1)), env: {} });
  await program.parseAsync(['node', 'bulwark', 'backup', ...args]);
  return out.join('');
}

describe('data directory lock', () => {
  it('refuses a second holder while a live process holds it, and takes over once that process is SIGKILLed', async () => {
    const dir = join(temp.dir, 'takeover');
    const child = await hold(dir);
    const owner = JSON.parse(readFileSync(join(dir, DATA_DIR_LOCK_FILE), 'utf8')) as { pid: number; host: string; startedAt: number };
    expect(owner).toMatchObject({ pid: child.pid, host: hostname() });
    expect(lockHolder(dir)).toEqual(owner);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir, { what: 'bulwark start' })).toThrow(`bulwark start: the data directory is in use by process ${child.pid}`);

    child.kill('SIGKILL');
    await exited(child);
    expect(lockHolder(dir)).toBeUndefined();
    const lock = lockDataDir(dir);
    expect(lock.tookOver).toMatchObject({ pid: child.pid });
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid });
    // The holder itself is not refused: a restore asked of the running service goes through it.
    expect(() => assertDataDirFree(dir, 'restore')).not.toThrow();
    lock.release();
    expect(existsSync(join(dir, DATA_DIR_LOCK_FILE))).toBe(false);
  });

  it('a clean stop removes the lock; a torn lock file is taken over', async () => {
    const dir = join(temp.dir, 'clean');
    const child = await hold(dir);
    child.kill('SIGTERM');
    await exited(child);
    expect(existsSync(join(dir, DATA_DIR_LOCK_FILE))).toBe(false);
    writeFileSync(join(dir, DATA_DIR_LOCK_FILE), '{"pid":');
    const lock = lockDataDir(dir);
    expect(lock.tookOver).toBeDefined();
    lock.release();
  });

  it('a lock naming a live pid now held by another process than its writer is stale (the pid was reused)', async () => {
    const dir = join(temp.dir, 'reused');
    const child = await hold(join(temp.dir, 'reused-holder'));
    mkdirSync(dir, { recursive: true });
    const identity = processIdentity(child.pid!);
    expect(identity).toMatch(/^[0-9a-f-]+:\d+$/);
    expect(isLockAlive({ pid: child.pid!, host: hostname(), startedAt: 0, process: identity! })).toBe(true);
    // Written by an earlier process that had the same pid: its start time differs from the child's.
    const [bootId, ticks] = identity!.split(':');
    writeFileSync(join(dir, DATA_DIR_LOCK_FILE), JSON.stringify({ pid: child.pid, host: hostname(), startedAt: 0, process: `${bootId}:${Number(ticks) - 100}` }));
    expect(lockHolder(dir)).toBeUndefined();
    const lock = lockDataDir(dir);
    expect(lock.tookOver).toMatchObject({ pid: child.pid });
    lock.release();
  });

  it('bulwark backup restore into the data folder of a running process refuses and changes nothing', async () => {
    const dataDir = join(temp.dir, 'service');
    mkdirSync(dataDir, { recursive: true });
    const journal = join(dataDir, 'journal.txt');
    writeFileSync(journal, 'before');
    const backups = join(temp.dir, 'backups');
    await backupCli('create', '--dir', backups, '--data', journal);
    writeFileSync(journal, 'live: 15 intents');

    const child = await hold(dataDir);
    const refused = await backupCli('restore', 'latest', '--dir', backups, '--data', journal).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toMatch(new RegExp(`^restore of \\S+ refused: the data directory is in use by process ${child.pid} on `));
    expect(readFileSync(journal, 'utf8')).toBe('live: 15 intents');
    // A dry run only reads: allowed while the service runs.
    expect(await backupCli('restore', 'latest', '--dir', backups, '--dry-run', '--data', journal)).toMatch(/journal\.txt/);

    child.kill('SIGKILL');
    await exited(child);
    await backupCli('restore', 'latest', '--dir', backups, '--data', journal);
    expect(readFileSync(journal, 'utf8')).toBe('before');
  });
});
