/**
 * `bulwark health [--url URL] [--json]`: asks a running service for /health and prints a coloured
 * table, or with `--json` the report as JSON on stdout (also when unreachable). Why it is
 * unreachable goes to stderr. Exit 0 healthy (pass or warn), 1 unhealthy (fail), 2 unreachable.
 */
import type { Command } from 'commander';
import type { IetfHealth, IetfStatus } from '../../health/ietf.js';
import { colorsWanted, paint, table } from './colors.js';

export interface HealthCommandOptions {
  url?: string;
  /** Print the report as JSON on stdout instead of the table. */
  json?: boolean;
  /** Longest wait for the answer. */
  timeoutMs?: number;
  color?: boolean;
  /** stdout: the table or the JSON report. */
  out?: (line: string) => void;
  /** stderr: why the service is unreachable. */
  err?: (line: string) => void;
  fetch?: typeof fetch;
  /** An API token sent as `Authorization: Bearer` (the command reads it from BULWARK_TOKEN: a flag would show in `ps`). */
  token?: string;
}

export const HEALTH_COMMAND_DEFAULTS = {
  url: 'http://127.0.0.1:8080', // `bulwark start`'s default address
  timeoutMs: 5_000, // a health endpoint slower than this is as good as unreachable
} as const;

export const EXIT_HEALTHY = 0;
export const EXIT_UNHEALTHY = 1;
export const EXIT_UNREACHABLE = 2;

function healthUrl(base: string): string {
  const url = new URL(base);
  if (!url.pathname.endsWith('/health')) url.pathname = `${url.pathname.replace(/\/$/, '')}/health`;
  return url.toString();
}

function isHealth(body: unknown): body is IetfHealth {
  const status = (body as { status?: unknown } | null)?.status;
  return typeof body === 'object' && body !== null && (status === 'pass' || status === 'warn' || status === 'fail');
}

/** Runs the command and returns its exit code. */
export async function runHealthCommand(options: HealthCommandOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  const colors = paint(options.color ?? (options.json ? false : colorsWanted()));
  const report = (value: object): void => {
    if (options.json) out(JSON.stringify(value, null, 2));
  };
  const doFetch = options.fetch ?? fetch;
  let url: string;
  try {
    url = healthUrl(options.url ?? HEALTH_COMMAND_DEFAULTS.url);
  } catch {
    err(`bulwark health: --url: not a URL: ${options.url}`);
    return EXIT_UNREACHABLE;
  }
  const checkedAt = new Date().toISOString();
  let body: unknown;
  let httpStatus = 0;
  try {
    const response = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? HEALTH_COMMAND_DEFAULTS.timeoutMs), headers: { accept: 'application/health+json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) } });
    httpStatus = response.status;
    body = await response.json();
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    err(`bulwark health: unreachable: ${url} (${reason})`);
    report({ url, checkedAt, exitCode: EXIT_UNREACHABLE, error: reason });
    return EXIT_UNREACHABLE;
  }
  if (!isHealth(body)) {
    err(`bulwark health: unreachable: ${url} did not answer in the health format (HTTP ${httpStatus})`);
    report({ url, checkedAt, exitCode: EXIT_UNREACHABLE, error: `HTTP ${httpStatus}, not a health response` });
    return EXIT_UNREACHABLE;
  }
  const exitCode = body.status === 'fail' ? EXIT_UNHEALTHY : EXIT_HEALTHY;
  if (options.json) {
    report({ url, checkedAt, exitCode, httpStatus, health: body });
    return exitCode;
  }
  const colour = (status: IetfStatus): string => (status === 'pass' ? colors.green(status) : status === 'warn' ? colors.yellow(status) : colors.red(status));
  const rows = [['CHECK', 'STATUS', 'OUTPUT']];
  for (const [key, entries] of Object.entries(body.checks ?? {})) {
    for (const entry of entries) rows.push([key, colour(entry.status), entry.output ?? '']);
  }
  out(table(rows));
  out(`overall: ${colour(body.status)} (HTTP ${httpStatus})`);
  return exitCode;
}

/** Where the service of a configuration file listens (the configuration module is loaded only then). */
export async function configuredUrl(file: string): Promise<string> {
  const { loadConfig } = await import('../../config/loader.js');
  const { server } = loadConfig({ file }).config;
  return `http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
}

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('query a running service: exit 0 healthy, 1 unhealthy, 2 unreachable')
    .option('--url <url>', `base URL of the service (default: server.host and server.port of --config, else ${HEALTH_COMMAND_DEFAULTS.url})`)
    .option('--config <file>', "the service's configuration file: where it listens")
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText('after', '\nA service that asks for credentials: set BULWARK_TOKEN to an API token (bulwark token create --role viewer).')
    .action(async (opts: { url?: string; config?: string; json?: boolean }) => {
      const token = process.env.BULWARK_TOKEN;
      process.exitCode = await runHealthCommand({ url: opts.url ?? (opts.config ? await configuredUrl(opts.config) : HEALTH_COMMAND_DEFAULTS.url), json: opts.json === true, ...(token ? { token } : {}) });
    });
}
