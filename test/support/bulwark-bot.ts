/** A `bulwark bot --config` child process for the fleet tests, and a poll helper for wall-clock integration waits. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** One `bulwark bot` child process and its output. */
export class BulwarkBot {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  constructor(
    readonly id: string,
    config: string,
    tickMs = 200,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'bot', '--config', config, '--instance', id, '--tick-ms', String(tickMs)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr.on('data', (c: Buffer) => (this.output += c.toString()));
  }

  async trading(): Promise<void> {
    await until(() => this.output.includes('trading') || this.child.exitCode !== null, 30_000, `${this.id} to start`);
    if (!this.output.includes('trading')) throw new Error(`${this.id} did not start:\n${this.output}`);
  }

  /** Stops it with `signal` (SIGTERM: a clean stop) and resolves with its exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit') as Promise<[number | null]>;
    this.child.kill(signal);
    const [code] = await exited;
    return code;
  }
}

/** Polls `condition` every 50 ms until it holds; fails naming `what` after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
