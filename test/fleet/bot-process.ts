/** A bot process for the fleet tests (test/integration/fixtures/fleet-bot.ts) and a way to wait for the lines it prints. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { redisUrl } from '../support/services.js';

const script = fileURLToPath(new URL('../integration/fixtures/fleet-bot.ts', import.meta.url));

export interface Line {
  instance: string;
  event: string;
  [key: string]: unknown;
}

/** A bot process and a way to wait for the lines it prints. */
export class BotProcess {
  readonly lines: Line[] = [];
  private waiters: Array<{ match: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  readonly child: ChildProcess;

  constructor(prefix: string, readonly id: string, url = redisUrl, options: Record<string, number> = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', script, url, prefix, id, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Line;
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => (w.match(line) ? (w.resolve(line), false) : true));
    });
  }

  /** The first line (already printed or to come) that matches; rejects if none comes within 30 s (a hang). */
  next(match: (l: Line) => boolean, after = 0): Promise<Line> {
    const seen = this.lines.slice(after).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id}: no matching line within 30 s; got ${JSON.stringify(this.lines)}`)), 30_000);
      this.waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}
