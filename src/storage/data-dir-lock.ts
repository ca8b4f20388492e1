/**
 * The data-directory lock: a running service holds `bulwark.lock` in its data directory, a small
 * JSON file with its pid, host and start time. Another process that means to rewrite the data
 * (a `bulwark backup restore`, a second service on the same folder) checks it first and refuses
 * while the holder is alive.
 *
 * Liveness: a lock written on this host whose pid still answers `kill(pid, 0)` is held, unless (on
 * Linux) the process with that pid is not the one that wrote it (boot id and start time in ticks
 * differ: the pid was reused). A lock
 * of a process that is gone (SIGKILLed, crashed) is stale and is taken over. A lock written on another
 * host cannot be checked from here and counts as held: the operator removes it by hand when that
 * host is known to be down. The file is created with O_EXCL, so two starts racing for a free
 * folder cannot both win; a stale lock is taken over by renaming a fresh file over it and reading
 * it back.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ResilienceError } from '../core/errors.js';

/** The lock file's name inside a data directory. */
export const DATA_DIR_LOCK_FILE = 'bulwark.lock';

export interface LockOwner {
  pid: number;
  host: string;
  /** When the holder took the lock (ms since the epoch). */
  startedAt: number;
  /** The holder's boot id and start time in ticks (Linux), to tell it from a later process given the same pid. */
  process?: string;
}

/** A data directory is in use by another live process. */
export class DataDirLockedError extends ResilienceError {
  declare readonly code: 'DATA_DIR_LOCKED';
  readonly owner: LockOwner;
  constructor(what: string, owner: LockOwner) {
    super('DATA_DIR_LOCKED', `${what}: the data directory is in use by process ${owner.pid} on ${owner.host} (since ${new Date(owner.startedAt).toISOString()}); stop it first`);
    this.owner = owner;
  }
}

export interface DataDirLock {
  readonly owner: LockOwner;
  /** Whether the lock was taken over from a process that is gone. */
  readonly tookOver: LockOwner | undefined;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

function readOwner(file: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.startedAt === 'number') return parsed as LockOwner;
  } catch {
    // A torn or foreign file: treated as a lock of nobody, so it is taken over.
  }
  return { pid: 0, host: hostname(), startedAt: 0 };
}

/** Whether the process named in a lock is alive, as far as this host can tell. */
export function isLockAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (!(Number.isInteger(owner.pid) && owner.pid > 0)) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The process with that pid now is another one than the holder's (the pid was reused).
  if (owner.process !== undefined) {
    const now = processIdentity(owner.pid);
    if (now !== undefined && now !== owner.process) return false;
  }
  return true;
}

/**
 * Who process `pid` is, beyond its pid: the boot id and its start time in clock ticks since boot,
 * from /proc on Linux (immune to wall-clock steps); undefined elsewhere or when unreadable.
 */
export function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, starttime field 22.
    const starttime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return starttime ? `${bootId}:${starttime}` : undefined;
  } catch {
    return undefined;
  }
}

/** The live holder of `dataDir`'s lock, or undefined when it is free or stale. */
export function lockHolder(dataDir: string): LockOwner | undefined {
  const owner = readOwner(join(dataDir, DATA_DIR_LOCK_FILE));
  return owner && isLockAlive(owner) ? owner : undefined;
}

/**
 * Throws DataDirLockedError when a live process other than this one holds `dataDir`.
 * The holder itself may go on (a restore asked of the running service goes through it).
 */
export function assertDataDirFree(dataDir: string, what: string): void {
  const owner = lockHolder(dataDir);
  if (owner && !(owner.pid === process.pid && owner.host === hostname())) throw new DataDirLockedError(what, owner);
}

/** Takes the lock of `dataDir` for this process (creating the folder); throws DataDirLockedError while another live process holds it. */
export function lockDataDir(dataDir: string, options: { now?: () => number; what?: string } = {}): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, DATA_DIR_LOCK_FILE);
  const identity = processIdentity(process.pid);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: (options.now ?? Date.now)(), ...(identity ? { process: identity } : {}) };
  const text = `${JSON.stringify(owner)}\n`;
  const what = options.what ?? 'lock';
  let tookOver: LockOwner | undefined;
  try {
    writeFileSync(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const previous = readOwner(file);
    if (previous && isLockAlive(previous)) throw new DataDirLockedError(what, previous);
    // Stale: put ours in place atomically, then read back to lose cleanly against a racing taker.
    const temp = `${file}.${randomUUID().slice(0, 8)}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, file);
    const now = readOwner(file);
    if (!now || now.pid !== owner.pid || now.startedAt !== owner.startedAt) throw new DataDirLockedError(what, now ?? owner);
    tookOver = previous;
  }
  let released = false;
  return {
    owner,
    tookOver,
    release() {
      if (released) return;
      released = true;
      const current = readOwner(file);
      if (current && current.pid === owner.pid && current.startedAt === owner.startedAt) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone.
        }
      }
    },
  };
}
