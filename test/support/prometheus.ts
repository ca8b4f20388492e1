/**
 * Real Prometheus tools for integration tests: `promtool` on stdin, and a `prometheus` server on a
 * free loopback port with a temp config and storage folder, stopped by the caller.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface ToolResult {
  code: number | null;
  output: string;
}

/** Runs a command with `input` on stdin; resolves with its exit code and combined output. */
export function run(command: string, args: string[], input = ''): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/** Resolves when `command --version` runs (the tool is installed). */
export async function probeTool(command: string): Promise<void> {
  const { code, output } = await run(command, ['--version']);
  if (code !== 0) throw new Error(`${command} --version exited ${code}: ${output.slice(0, 200)}`);
}

export { freePort };

/** Polls `url` until it answers 2xx, the child exits, or `timeoutMs` passes. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${log().slice(-1_000)}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${log().slice(-1_000)}`);
}

export interface RunningServer {
  url: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts a server binary and waits for `readyPath`; the caller stops it. */
export async function startServer(command: string, args: string[], url: string, readyPath: string): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await closed;
    clearTimeout(timer);
  };
  try {
    await waitReady(`${url}${readyPath}`, child, 20_000, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, log: () => log, stop };
}

/** Starts Prometheus scraping `target` every second with `rules` loaded, evaluating every second. */
export async function startPrometheus(dir: string, target: string, rules: string): Promise<RunningServer> {
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    '  - rules.yml',
    'scrape_configs:',
    '  - job_name: bulwark',
    '    static_configs:',
    `      - targets: ['${target}']`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  await writeFile(join(dir, 'rules.yml'), rules);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startServer(
    'prometheus',
    ['--config.file', join(dir, 'prometheus.yml'), '--storage.tsdb.path', join(dir, 'data'), '--web.listen-address', `127.0.0.1:${port}`, '--web.enable-lifecycle'],
    url,
    '/-/ready',
  );
}

/** Starts Alertmanager with `config` (YAML), no clustering, on a free loopback port. */
export async function startAlertmanager(dir: string, config: string): Promise<RunningServer> {
  await writeFile(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startServer(
    'prometheus-alertmanager',
    ['--config.file', join(dir, 'alertmanager.yml'), '--storage.path', join(dir, 'am-data'), '--web.listen-address', `127.0.0.1:${port}`, '--cluster.listen-address='],
    url,
    '/-/ready',
  );
}
