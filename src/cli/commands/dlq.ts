/**
 * `bulwark dlq [queues] | list | replay | purge`: the command line over `bulwark/dlq`. The database
 * is found the way `bulwark start` finds it (`--config`, `--data-dir`, default ./.bulwark), or named
 * with `--db FILE` or `--postgres URL`; a database that does not exist is refused, never created.
 * `--queue` defaults to the queue the service fills (`orders` in demo mode, `default` with a
 * configuration); `bulwark dlq` alone lists the queues. Long replays show a progress bar on a
 * terminal (src/cli/progress.ts). The work lives in dlq-run.ts, loaded only when a subcommand runs.
 */
import { type Command, Option } from 'commander';
import type { Clock } from '../../core/clock.js';
import type { ReplayProgress } from '../../dlq/dead-letters.js';
import { DATA_LOCATION_DEFAULTS } from '../data-location.js';
import { type ProgressStream, type ProgressWriter, progressWriter } from '../progress.js';
import { positiveIntegerArgument } from '../flags.js';

/** Where output goes; injectable so the commands can be run and checked in-process. */
export type DlqOutput = ProgressStream;

export interface DlqCommandDeps {
  stdout?: DlqOutput;
  stderr?: DlqOutput;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives the exit code (1 when a replay left letters failed); default sets process.exitCode. */
  setExitCode?: (code: number) => void;
}

export const DLQ_COMMAND_DEFAULTS = {
  maxAttempts: 3, // a letter gets three tries per replay, as the library default
  progressMinItems: 20, // a replay of fewer letters is over before a bar is worth drawing
};

export interface StorageFlags {
  config?: string;
  dataDir?: string;
  db?: string;
  postgres?: string;
  schema?: string;
}

export interface FilterFlags {
  queue?: string;
  operation?: string;
  status?: 'pending' | 'replayed';
  correlation?: string;
  limit?: number;
  json?: boolean;
}


/** A bar redrawn on a terminal, a line per 25 % elsewhere; silent for short replays. */
export function replayProgress(stream: DlqOutput, minItems: number): ProgressWriter<ReplayProgress> {
  return progressWriter<ReplayProgress>(stream, {
    minTotal: minItems,
    done: (p) => p.done,
    total: (p) => p.total,
    bar: (p) => ({ label: 'replaying', detail: `${p.done}/${p.total} (ok ${p.replayed}, failed ${p.failed})` }),
    line: (p, step) => `replaying: ${step}% (${p.done}/${p.total}, ok ${p.replayed}, failed ${p.failed})`,
  });
}

function storageOptions(command: Command): Command {
  return command
    .option('--config <file>', "the service's configuration file: its storage and queue")
    .option('--data-dir <dir>', `the demo service's data directory (default ${DATA_LOCATION_DEFAULTS.dataDir})`)
    .option('--db <file>', 'a SQLite database file instead')
    .option('--postgres <url>', 'a PostgreSQL connection string instead (or env BULWARK_POSTGRES_URL)')
    .option('--schema <name>', 'PostgreSQL schema')
    .option('--json', 'print JSON on stdout');
}

function filterOptions(command: Command): Command {
  return storageOptions(command)
    .option('--queue <name>', `queue name (default: the queue the service fills, "${DATA_LOCATION_DEFAULTS.demoQueue}" in demo mode, "${DATA_LOCATION_DEFAULTS.configuredQueue}" with --config)`)
    .option('--operation <name>', 'only letters of this operation')
    .option('--correlation <id>', 'only letters with this correlation id')
    .addOption(new Option('--status <status>', 'only letters in this status').choices(['pending', 'replayed']));
}

export function registerDlq(program: Command, deps: DlqCommandDeps = {}): void {
  const run = async (): Promise<typeof import('./dlq-run.js')> => import('./dlq-run.js');
  const dlq = program.command('dlq').description('dead-letter queue: queues, list, replay, purge');

  storageOptions(dlq.command('queues', { isDefault: true }).description('list the queues that hold letters, with their counts (the default)')).action(async (flags: StorageFlags & FilterFlags) => {
    await (await run()).dlqQueues(flags, deps);
  });

  filterOptions(dlq.command('list').description('list dead letters, oldest first'))
    .option('--limit <n>', 'at most n letters', positiveIntegerArgument('--limit'))
    .action(async (flags: StorageFlags & FilterFlags) => {
      await (await run()).dlqList(flags, deps);
    });

  filterOptions(dlq.command('replay').description('replay pending letters through a handler module, with retry and backoff'))
    .argument('[ids...]', 'letter ids (default: every pending letter that matches the filters)')
    .requiredOption('--handler <file>', 'ES module exporting the replay function (default export or "replay")')
    .option('--max-attempts <n>', 'tries per letter', positiveIntegerArgument('--max-attempts'), DLQ_COMMAND_DEFAULTS.maxAttempts)
    .option('--limit <n>', 'at most n letters', positiveIntegerArgument('--limit'))
    .action(async (ids: string[], flags: StorageFlags & FilterFlags & { handler: string; maxAttempts: number }) => {
      await (await run()).dlqReplay(ids, flags, deps);
    });

  filterOptions(dlq.command('purge').description('delete letters: by id, by filter, or --all'))
    .argument('[ids...]', 'letter ids')
    .option('--all', 'every letter of the queue')
    .action(async (ids: string[], flags: StorageFlags & FilterFlags & { all?: boolean }) => {
      await (await run()).dlqPurge(ids, flags, deps);
    });
}
