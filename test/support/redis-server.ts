/**
 * Private redis-server processes for tests that stop, restart or cluster Redis: each runs on a
 * free port (never the shared server) and is waited for on its own output, not on timers.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

/** Resolves when the redis-server binary runs (use with `requireService`). */
export function probeRedisServerBinary(): Promise<unknown> {
  return promisify(execFile)('redis-server', ['--version']);
}

export { freePort };

/**
 * Starts redis-server on `port` (no persistence) with any extra arguments, and resolves once it
 * accepts connections. Rejects with its output when it exits first.
 */
export async function startRedisServer(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return child;
}

/** Kills the server (SIGKILL: an outage, not a shutdown) and waits until it has exited. */
export async function stopRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
