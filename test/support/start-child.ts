/**
 * `bulwark start` as a real child process (from the TypeScript source through tsx), for tests
 * that send it signals, kill it or restart it on the same data. Children still running after a
 * test are SIGKILLed by `killChildren()` (call it in afterEach).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const running: ChildProcess[] = [];

export interface StartedChild {
  child: ChildProcess;
  /** The ops server's base URL, read from the "listening on" line. */
  url: string;
  /** Resolves with the exit code (null after a signal) once the process ended. */
  exited: Promise<number | null>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** The admin token of the dashboard link (demo mode), for requests that change state. */
  token: string | undefined;
}

/** Starts `bulwark start --port 0 --no-faults --data-dir DIR` plus `args`; resolves once it listens. */
export async function startChild(dataDir: string, args: string[] = []): Promise<StartedChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'start', '--port', '0', '--no-faults', '--data-dir', dataDir, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // The banner goes to stderr (stdout carries the JSON log).
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bulwark start exited early with ${String(code)}:\n${output}`)));
  });
  const token = /\?token=(bwk_\S+)/.exec(output)?.[1];
  return { child, url, exited, output: () => output, token };
}

/** SIGKILLs every child started here that is still running. */
export function killChildren(): void {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
