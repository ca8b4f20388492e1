/**
 * `bulwark dlq list | replay | purge`: the command line over `bulwark/dlq`, on the embedded
 * SQLite database (default) or PostgreSQL (`--postgres URL`). Long replays show progress on
 * stderr: a redrawn bar on a terminal, a line every 25 % otherwise.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { deadLetters, type DeadLetter, type DeadLetterFilter, type ReplayHandler, type ReplayProgress } from '../../dlq/index.js';
import { backoff } from '../../policies/backoff.js';
import { retry } from '../../policies/retry.js';
import { postgresStorage } from '../../storage/postgres.js';
import { sqliteStorage } from '../../storage/sqlite.js';
import type { Storage } from '../../storage/types.js';
import { table } from './colors.js';

/** Where output goes; injectable so the commands can be run and checked in-process. */
export interface DlqOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface DlqCommandDeps {
  stdout?: DlqOutput;
  stderr?: DlqOutput;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives the exit code (1 when a replay left letters failed); default sets process.exitCode. */
  setExitCode?: (code: number) => void;
}

export const DLQ_COMMAND_DEFAULTS = {
  db: '.bulwark/bulwark.db', // the embedded database of a Bulwark process started here
  queue: 'default', // the queue a service uses when it names none
  maxAttempts: 3, // a letter gets three tries per replay, as the library default
  progressMinItems: 20, // a replay of fewer letters is over before a bar is worth drawing
};

interface StorageFlags {
  db?: string;
  postgres?: string;
  schema?: string;
}

interface FilterFlags {
  queue: string;
  operation?: string;
  status?: 'pending' | 'replayed';
  correlation?: string;
  limit?: number;
}

function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n > 0)) throw new InvalidArgumentError(`${name} must be an integer > 0, got "${value}"`);
    return n;
  };
}

async function openStorage(flags: StorageFlags, env: Readonly<Record<string, string | undefined>>): Promise<Storage> {
  const url = flags.postgres ?? env.BULWARK_POSTGRES_URL;
  if (url !== undefined && url !== '') {
    return postgresStorage({ connectionString: url, ...(flags.schema ? { schema: flags.schema } : {}), min: 0, max: 2 });
  }
  return sqliteStorage({ path: flags.db ?? DLQ_COMMAND_DEFAULTS.db });
}

function filterOf(flags: FilterFlags, ids: string[]): DeadLetterFilter {
  return {
    ...(ids.length > 0 ? { ids } : {}),
    ...(flags.operation !== undefined ? { operation: flags.operation } : {}),
    ...(flags.status !== undefined ? { status: flags.status } : {}),
    ...(flags.correlation !== undefined ? { correlationId: flags.correlation } : {}),
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
  };
}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
const short = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function listText(letters: DeadLetter[]): string {
  if (letters.length === 0) return 'No dead letters.\n';
  const rows = [['ID', 'OPERATION', 'STATUS', 'ATTEMPTS', 'LAST FAILURE', 'CORRELATION', 'ERROR']];
  for (const l of letters) {
    rows.push([l.id, l.operation, l.status, String(l.attempts), iso(l.lastFailedAt), l.correlationId ?? '-', short(l.error, 60)]);
  }
  return `${table(rows)}\n`;
}

/** A bar redrawn on a terminal, a line per 25 % elsewhere; silent for short replays. */
export function replayProgress(stream: DlqOutput, minItems: number): { update(p: ReplayProgress): void; end(): void } {
  let lastShown = -1;
  let drawn = false;
  return {
    update(p) {
      if (p.total < minItems) return;
      const percent = Math.floor((100 * p.done) / p.total);
      if (stream.isTTY) {
        if (percent === lastShown && p.done !== p.total) return;
        const width = 30;
        const filled = Math.round((width * percent) / 100);
        stream.write(
          `\rreplaying [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${p.done}/${p.total} (ok ${p.replayed}, failed ${p.failed})`,
        );
        drawn = true;
        lastShown = percent;
        return;
      }
      const step = Math.floor(percent / 25) * 25;
      if (step <= lastShown) return;
      stream.write(`replaying: ${step}% (${p.done}/${p.total}, ok ${p.replayed}, failed ${p.failed})\n`);
      lastShown = step;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** Loads a replay handler: the module's default export, or its export named `replay`. */
async function loadHandler(file: string): Promise<ReplayHandler> {
  const module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown; replay?: unknown };
  const handler = typeof module.default === 'function' ? module.default : module.replay;
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError(`--handler ${file}: the module must export a function as default or as "replay"`);
  }
  return handler as ReplayHandler;
}

function storageOptions(command: Command): Command {
  return command
    .option('--db <file>', `SQLite database (default ${DLQ_COMMAND_DEFAULTS.db})`)
    .option('--postgres <url>', 'PostgreSQL connection string instead of SQLite (or env BULWARK_POSTGRES_URL)')
    .option('--schema <name>', 'PostgreSQL schema')
    .option('--queue <name>', 'queue name', DLQ_COMMAND_DEFAULTS.queue);
}

function filterOptions(command: Command): Command {
  return command
    .option('--operation <name>', 'only letters of this operation')
    .option('--correlation <id>', 'only letters with this correlation id')
    .addOption(new Option('--status <status>', 'only letters in this status').choices(['pending', 'replayed']));
}

export function registerDlq(program: Command, deps: DlqCommandDeps = {}): void {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const clock = deps.clock ?? systemClock;
  const env = deps.env ?? process.env;
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));

  const withQueue = async <T>(flags: StorageFlags & FilterFlags, work: (queue: ReturnType<typeof deadLetters>) => Promise<T>): Promise<T> => {
    const storage = await openStorage(flags, env);
    try {
      return await work(deadLetters(storage, { name: flags.queue, clock }));
    } finally {
      await storage.close();
    }
  };

  const dlq = program.command('dlq').description('dead-letter queue: list, replay, purge');

  filterOptions(storageOptions(dlq.command('list').description('list dead letters, oldest first')))
    .option('--limit <n>', 'at most n letters', positiveInteger('--limit'))
    .option('--json', 'print JSON')
    .action(async (flags: StorageFlags & FilterFlags & { json?: boolean }) => {
      const letters = await withQueue(flags, (queue) => queue.list(filterOf(flags, [])));
      stdout.write(flags.json ? `${JSON.stringify(letters, null, 2)}\n` : listText(letters));
    });

  filterOptions(storageOptions(dlq.command('replay').description('replay pending letters through a handler module, with retry and backoff')))
    .argument('[ids...]', 'letter ids (default: every pending letter that matches the filters)')
    .requiredOption('--handler <file>', 'ES module exporting the replay function (default export or "replay")')
    .option('--max-attempts <n>', 'tries per letter', positiveInteger('--max-attempts'), DLQ_COMMAND_DEFAULTS.maxAttempts)
    .option('--limit <n>', 'at most n letters', positiveInteger('--limit'))
    .action(async (ids: string[], flags: StorageFlags & FilterFlags & { handler: string; maxAttempts: number }) => {
      const handler = await loadHandler(flags.handler);
      const policy = retry({ maxAttempts: flags.maxAttempts, backoff: backoff.exponential({ initialMs: 200, maxMs: 10_000 }), clock, rethrowLastError: true });
      const progress = replayProgress(stderr, DLQ_COMMAND_DEFAULTS.progressMinItems);
      const result = await withQueue(flags, (queue) =>
        queue.replay(filterOf(flags, ids), handler, { policy, onProgress: (p) => progress.update(p) }),
      );
      progress.end();
      stdout.write(`Replayed ${result.replayed.length} of ${result.total}; ${result.failed.length} failed.\n`);
      for (const failure of result.failed) stdout.write(`  ${failure.id}: ${failure.error}\n`);
      if (result.failed.length > 0) setExitCode(1);
    });

  filterOptions(storageOptions(dlq.command('purge').description('delete letters: by id, by filter, or --all')))
    .argument('[ids...]', 'letter ids')
    .option('--all', 'every letter of the queue')
    .action(async (ids: string[], flags: StorageFlags & FilterFlags & { all?: boolean }) => {
      const filter = filterOf(flags, ids);
      if (Object.keys(filter).length === 0 && !flags.all) {
        throw new InvalidArgumentError('purge needs letter ids, a filter (--operation, --status, --correlation) or --all');
      }
      const removed = await withQueue(flags, (queue) => queue.purge(filter));
      stdout.write(`Purged ${removed} dead letter${removed === 1 ? '' : 's'} from "${flags.queue}".\n`);
    });
}
