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

/** The fleet's one configuration file (service and bots): PostgreSQL schema, Redis prefix, the simulator as the account; `extra` YAML lines appended. */
export function fleetConfigYaml(o: { dataDir: string; postgresUrl: string; schema: string; redisUrl: string; redisPrefix: string; simUrl: string; extra?: string[] }): string {
  return [
    `dataDir: ${JSON.stringify(o.dataDir)}`,
    'storage:',
    '  kind: postgres',
    `  postgresUrl: ${JSON.stringify(o.postgresUrl)}`,
    `  postgresSchema: ${o.schema}`,
    `  redisUrl: ${JSON.stringify(o.redisUrl)}`,
    `  redisPrefix: ${JSON.stringify(o.redisPrefix)}`,
    'exchange:',
    '  id: binance',
    `  url: ${o.simUrl}`,
    '  apiKey: sim-key',
    '  secret: sim-secret',
    '  symbols: [BTC/USDT]',
    'shutdown:',
    '  readyDelayMs: 0',
    ...(o.extra ?? []),
    '',
  ].join('\n');
}
