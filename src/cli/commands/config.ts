/**
 * `bulwark config check [FILE] [--env NAME] [--dir DIR] [--json]`: validates a deployment before it
 * runs (config-check.ts, loaded only when the command runs). Exit 0 when every step passes, 1 otherwise.
 */
import type { Command } from 'commander';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('configuration tools');
  config
    .command('check')
    .argument('[file]', 'configuration file, read in place of <dir>/default.yaml')
    .description('validate a deployment before it runs: config, secrets, data directory, storage, Redis, exchange, migrations')
    .option('--env <name>', 'environment (reads <dir>/<name>.yaml over the file); default BULWARK_ENV')
    .option('--dir <dir>', 'configuration folder', 'config')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (file: string | undefined, opts: { env?: string; dir: string; json?: boolean }) => {
      const { runConfigCheck } = await import('./config-check.js');
      const { exitCode } = await runConfigCheck({ dir: opts.dir, json: opts.json === true, ...(file ? { file } : {}), ...(opts.env ? { env: opts.env } : {}) });
      process.exitCode = exitCode;
    });
}
