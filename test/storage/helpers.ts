import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageLogger } from '../../src/storage/types.js';

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'bulwark-storage-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger that keeps what it was told. */
export function memoryLogger(): StorageLogger & { lines: Array<{ message: string; details?: Record<string, unknown> }> } {
  const lines: Array<{ message: string; details?: Record<string, unknown> }> = [];
  return { lines, warn: (message, details) => void lines.push({ message, details }) };
}

/** A clock whose every reading is `stepMs` later than the one before: every measured span is `stepMs`. */
export function steppingClock(stepMs: number): { now(): number; sleep(): Promise<void> } {
  let time = 0;
  return { now: () => (time += stepMs), sleep: () => Promise.resolve() };
}
