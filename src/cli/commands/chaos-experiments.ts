/**
 * `bulwark chaos run FILE|NAME [--dry-run] [--json]`, `chaos list`, `chaos report ID`: chaos
 * experiments from the command line. A dry run checks the file (or a shipped experiment by name)
 * and prints the plan without any service. A run is sent to the running service
 * (POST /api/chaos/experiments, `--url`, token from BULWARK_TOKEN), which applies the guardrails
 * and keeps the journal, and followed until it ends: exit 0 when it passed, 1 otherwise.
 * `list` and `report` read the run journals from the service's storage, found the way `start`
 * finds it. The work lives in chaos-experiments-run.ts, loaded only when a subcommand runs.
 */
import type { Command } from 'commander';
import type { Clock } from '../../core/clock.js';
import { DATA_LOCATION_DEFAULTS } from '../data-location.js';
import { positiveIntegerArgument } from '../flags.js';

export interface ChaosExperimentDeps {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  clock?: Clock;
  setExitCode?: (code: number) => void;
}

export const CHAOS_EXPERIMENT_COMMAND_DEFAULTS = {
  url: 'http://127.0.0.1:8080', // where `bulwark start` listens by default
  pollMs: 1_000, // a run's status is read once a second while it goes
};

export interface RunFlags {
  dryRun?: boolean;
  json?: boolean;
  url?: string;
}

export interface StoreFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
  limit?: number;
  /** `report`: write a self-contained HTML page to this file (`true`: report-ID.html). */
  html?: string | boolean;
}

/** Adds `run`, `list` and `report` to the `chaos` command group. */
export function addChaosExperimentCommands(chaos: Command, deps: ChaosExperimentDeps = {}): void {
  chaos
    .command('run')
    .description('run an experiment file (or a shipped experiment by name) on the running service; --dry-run checks it and prints the plan')
    .argument('<file-or-name>', 'an experiment file (YAML) or the name of a shipped one, e.g. exchange-maintenance')
    .option('--dry-run', 'check the experiment and print what it would do; nothing runs')
    .option('--url <url>', `base URL of the service (default ${CHAOS_EXPERIMENT_COMMAND_DEFAULTS.url})`)
    .option('--json', 'print JSON on stdout')
    .addHelpText('after', '\nA service that asks for credentials: set BULWARK_TOKEN to an API token with chaos:run (bulwark token create --role operator).')
    .action(async (target: string, flags: RunFlags) => {
      const { runChaosRun } = await import('./chaos-experiments-run.js');
      await runChaosRun(target, flags, deps);
    });
  const storeOptions = (command: Command): Command =>
    command
      .option('--config <file>', "the service's configuration file: its storage")
      .option('--data-dir <dir>', `the demo service's data directory (default ${DATA_LOCATION_DEFAULTS.dataDir})`)
      .option('--json', 'print JSON on stdout');
  storeOptions(chaos.command('list').description('past experiment runs, newest first, with verdict and score'))
    .option('--limit <n>', 'runs shown', positiveIntegerArgument('--limit'))
    .action(async (flags: StoreFlags) => {
      const { runChaosList } = await import('./chaos-experiments-run.js');
      await runChaosList(flags, deps);
    });
  storeOptions(chaos.command('report').description("a run's journal: steps, probe results, rollbacks, verdict and score").argument('<id>', 'the run id (chaos list)'))
    .option('--html [file]', 'write a self-contained HTML report with a chart per probe (default file: chaos-report-ID.html)')
    .action(
    async (id: string, flags: StoreFlags) => {
      const { runChaosReport } = await import('./chaos-experiments-run.js');
      await runChaosReport(id, flags, deps);
    },
  );
}
