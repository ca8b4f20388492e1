/**
 * `bulwark config check [FILE] [--env NAME] [--dir DIR]`: the deployment dry-run over the layers
 * (defaults, FILE or <dir>/default.yaml, <dir>/<env>.yaml, BULWARK_ variables): the values, the
 * data directory, PostgreSQL, Redis, the exchange's public endpoint and the pending migrations.
 * Exit 0 when every step passes (skipped steps included), 1 otherwise.
 */
import type { Command } from 'commander';
import { checkDeployment, type DeploymentCheckResult, type DeploymentProbes } from '../../config/deployment-check.js';
import { colorsWanted, paint, table } from './colors.js';
import { unsupportedSettings } from '../../server/configured.js';
import { probeExchange } from '../../server/exchange-account.js';
import { readMigrations } from './migration-reader.js';

export interface ConfigCheckOptions {
  /** The configuration file (in place of <dir>/default.yaml). */
  file?: string;
  env?: string;
  dir?: string;
  environment?: Readonly<Record<string, string | undefined>>;
  probes?: DeploymentProbes;
  color?: boolean;
  out?: (line: string) => void;
}

export async function runConfigCheck(options: ConfigCheckOptions = {}): Promise<{ exitCode: number; result: DeploymentCheckResult }> {
  const out = options.out ?? ((line: string) => console.log(line));
  const colors = paint(options.color ?? colorsWanted());
  const result = await checkDeployment({
    ...(options.file === undefined ? {} : { file: options.file }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.dir === undefined ? {} : { dir: options.dir }),
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    probes: { migrations: readMigrations, exchange: probeExchange, refused: unsupportedSettings, ...options.probes },
  });
  const mark = (status: string): string => (status === 'ok' ? colors.green(status) : status === 'skipped' ? colors.yellow(status) : colors.red(status));
  out(table([['STEP', 'STATUS', 'DETAIL'], ...result.steps.map((s) => [s.name, mark(s.status), s.detail.split('\n')[0] ?? ''])]));
  for (const step of result.steps) {
    const rest = step.detail.split('\n').slice(1);
    if (step.status === 'failed' && rest.length > 0) out(rest.join('\n'));
    if (step.name === 'migrations' && step.status === 'ok' && step.detail.includes('pending')) {
      out('pending migrations:');
      for (const id of step.detail.slice(step.detail.indexOf(': ') + 2).split(', ')) out(`  - ${id}`);
    }
  }
  out(result.ok ? colors.green(`deployment ${result.env ?? ''} is ready`.replace('  ', ' ')) : colors.red('deployment check failed'));
  return { exitCode: result.ok ? 0 : 1, result };
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('configuration tools');
  config
    .command('check')
    .argument('[file]', 'configuration file, read in place of <dir>/default.yaml')
    .description('validate a deployment before it runs: config, secrets, data directory, storage, Redis, exchange, migrations')
    .option('--env <name>', 'environment (reads <dir>/<name>.yaml over the file); default BULWARK_ENV')
    .option('--dir <dir>', 'configuration folder', 'config')
    .action(async (file: string | undefined, opts: { env?: string; dir: string }) => {
      const { exitCode } = await runConfigCheck({ dir: opts.dir, ...(file ? { file } : {}), ...(opts.env ? { env: opts.env } : {}) });
      process.exitCode = exitCode;
    });
}
