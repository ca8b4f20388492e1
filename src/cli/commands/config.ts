/**
 * `bulwark config check [--env NAME] [--dir DIR]`: the deployment dry-run. Exit 0 when every step
 * passes (skipped steps included), 1 otherwise.
 */
import type { Command } from 'commander';
import { checkDeployment, type DeploymentCheckResult, type DeploymentProbes } from '../../config/deployment-check.js';
import { colorsWanted, paint, table } from './colors.js';
import { readMigrations } from './migration-reader.js';

export interface ConfigCheckOptions {
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
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.dir === undefined ? {} : { dir: options.dir }),
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    probes: { migrations: readMigrations, ...options.probes },
  });
  const mark = (status: string): string => (status === 'ok' ? colors.green(status) : status === 'skipped' ? colors.yellow(status) : colors.red(status));
  out(table([['STEP', 'STATUS', 'DETAIL'], ...result.steps.map((s) => [s.name, mark(s.status), s.detail.split('\n')[0] ?? ''])]));
  for (const step of result.steps) {
    const rest = step.detail.split('\n').slice(1);
    if (step.status === 'failed' && rest.length > 0) out(rest.join('\n'));
  }
  out(result.ok ? colors.green(`deployment ${result.env ?? ''} is ready`.replace('  ', ' ')) : colors.red('deployment check failed'));
  return { exitCode: result.ok ? 0 : 1, result };
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('configuration tools');
  config
    .command('check')
    .description('validate a deployment before it runs: config, secrets, storage, migrations')
    .option('--env <name>', 'environment (reads config/<name>.yaml); default BULWARK_ENV')
    .option('--dir <dir>', 'configuration folder', 'config')
    .action(async (opts: { env?: string; dir: string }) => {
      const { exitCode } = await runConfigCheck({ dir: opts.dir, ...(opts.env ? { env: opts.env } : {}) });
      process.exitCode = exitCode;
    });
}
