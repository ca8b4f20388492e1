/**
 * What `bulwark config check` runs (see config.ts): the deployment dry-run over the layers
 * (defaults, FILE or <dir>/default.yaml, <dir>/<env>.yaml, BULWARK_ variables): the values, the
 * data directory, PostgreSQL, Redis, the exchange's public endpoint and the pending migrations.
 * Exit 0 when every step passes (skipped steps included), 1 otherwise. Loaded only when it runs
 * (it brings ccxt, PostgreSQL and Redis clients).
 */
import { checkDeployment, type DeploymentCheckResult, type DeploymentProbes } from '../../config/deployment-check.js';
import { colorsWanted, paint, table } from './colors.js';
import { unsupportedSettings } from '../../server/configured.js';
import { probeExchange } from '../../server/exchange-account.js';
import { readMigrations } from './migration-reader.js';
import { checkStoredSecrets } from './stored-secrets-check.js';

export interface ConfigCheckOptions {
  /** The configuration file (in place of <dir>/default.yaml). */
  file?: string;
  env?: string;
  dir?: string;
  environment?: Readonly<Record<string, string | undefined>>;
  probes?: DeploymentProbes;
  color?: boolean;
  /** Print the result as JSON on stdout instead of the table. */
  json?: boolean;
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
    probes: { migrations: readMigrations, exchange: probeExchange, refused: unsupportedSettings, storedSecrets: checkStoredSecrets, ...options.probes },
  });
  if (options.json) {
    out(JSON.stringify(result, null, 2));
    return { exitCode: result.ok ? 0 : 1, result };
  }
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
