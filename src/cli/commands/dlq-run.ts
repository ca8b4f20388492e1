/** What `bulwark dlq ...` runs (see dlq.ts); loaded only when one of its subcommands runs. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { systemClock } from '../../core/clock.js';
import { deadLetterQueues, deadLetters, type DeadLetter, type DeadLetterFilter, type DeadLetterQueue, type ReplayHandler } from '../../dlq/index.js';
import { backoff } from '../../policies/backoff.js';
import { retry } from '../../policies/retry.js';
import { postgresStorage } from '../../storage/postgres.js';
import { sqliteStorage } from '../../storage/sqlite.js';
import type { Storage } from '../../storage/types.js';
import { table } from './colors.js';
import { type DataStorage, locateData } from '../data-location.js';
import { DLQ_COMMAND_DEFAULTS, type DlqCommandDeps, type FilterFlags, type StorageFlags, replayProgress } from './dlq.js';

interface Opened {
  storage: Storage;
  /** The queue the service fills, when --queue is not given. */
  defaultQueue: string;
}

/** The database the flags name; a SQLite file that does not exist is refused, not created. */
async function openStorage(flags: StorageFlags, env: Readonly<Record<string, string | undefined>>): Promise<Opened> {
  if (flags.db !== undefined && (flags.config !== undefined || flags.dataDir !== undefined)) throw new TypeError('--db: give either --db or --config/--data-dir, not both');
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  const envUrl = env.BULWARK_POSTGRES_URL !== undefined && env.BULWARK_POSTGRES_URL !== '' ? env.BULWARK_POSTGRES_URL : undefined;
  let target: DataStorage;
  let named: string;
  if (flags.postgres !== undefined) [target, named] = [{ kind: 'postgres', url: flags.postgres }, '--postgres'];
  else if (flags.db !== undefined) [target, named] = [{ kind: 'sqlite', path: flags.db }, '--db'];
  else if (envUrl !== undefined && flags.config === undefined) [target, named] = [{ kind: 'postgres', url: envUrl }, 'env BULWARK_POSTGRES_URL'];
  else [target, named] = [location.storage, flags.config !== undefined ? '--config' : '--data-dir'];

  if (target.kind === 'postgres') {
    const schema = flags.schema ?? target.schema;
    return { storage: await postgresStorage({ connectionString: target.url, ...(schema ? { schema } : {}), min: 0, max: 2 }), defaultQueue: location.queue };
  }
  if (!existsSync(target.path)) {
    const where = named === '--db' ? `--db ${target.path}` : `${named}: no database at ${target.path}`;
    throw new Error(
      named === '--db'
        ? `${where}: no such database (nothing is created); give the file of a service's data directory`
        : `${where}; start the service first (bulwark start), or give --data-dir, --config or --db`,
    );
  }
  return { storage: await sqliteStorage({ path: target.path }), defaultQueue: location.queue };
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
  const rows = [['ID', 'OPERATION', 'STATUS', 'ATTEMPTS', 'LAST FAILURE', 'CORRELATION', 'ERROR']];
  for (const l of letters) {
    rows.push([l.id, l.operation, l.status, String(l.attempts), iso(l.lastFailedAt), l.correlationId ?? '-', short(l.error, 60)]);
  }
  return `${table(rows)}\n`;
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

function io(deps: DlqCommandDeps) {
  return {
    stdout: deps.stdout ?? process.stdout,
    stderr: deps.stderr ?? process.stderr,
    clock: deps.clock ?? systemClock,
    env: deps.env ?? process.env,
    setExitCode: deps.setExitCode ?? ((code: number) => void (process.exitCode = code)),
  };
}

async function withQueue<T>(flags: StorageFlags & FilterFlags, deps: DlqCommandDeps, work: (queue: DeadLetterQueue, storage: Storage) => Promise<T>): Promise<T> {
  const { clock, env } = io(deps);
  const { storage, defaultQueue } = await openStorage(flags, env);
  try {
    return await work(deadLetters(storage, { name: flags.queue ?? defaultQueue, clock }), storage);
  } finally {
    await storage.close();
  }
}

export async function dlqQueues(flags: StorageFlags & FilterFlags, deps: DlqCommandDeps): Promise<void> {
  const { stdout } = io(deps);
  const { storage } = await openStorage(flags, io(deps).env);
  try {
    const queues = await deadLetterQueues(storage);
    if (flags.json) stdout.write(`${JSON.stringify(queues, null, 2)}\n`);
    else if (queues.length === 0) stdout.write('No dead letters in any queue.\n');
    else stdout.write(`${table([['QUEUE', 'LETTERS', 'PENDING'], ...queues.map((q) => [q.queue, String(q.letters), String(q.pending)])])}\n`);
  } finally {
    await storage.close();
  }
}

export async function dlqList(flags: StorageFlags & FilterFlags, deps: DlqCommandDeps): Promise<void> {
  const { stdout } = io(deps);
  const { letters, others, queue } = await withQueue(flags, deps, async (q, storage) => {
    const found = await q.list(filterOf(flags, []));
    // An empty queue is often the wrong one: name the queues that do hold letters.
    const rest = found.length === 0 ? (await deadLetterQueues(storage)).filter((s) => s.queue !== q.name) : [];
    return { letters: found, others: rest, queue: q.name };
  });
  if (flags.json) {
    stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
    return;
  }
  if (letters.length > 0) {
    stdout.write(listText(letters));
    return;
  }
  const hint = others.length > 0 ? `; letters are in ${others.map((o) => `"${o.queue}" (${o.letters})`).join(', ')}: give --queue` : '';
  stdout.write(`No dead letters in "${queue}"${hint}.\n`);
}

export async function dlqReplay(ids: string[], flags: StorageFlags & FilterFlags & { handler: string; maxAttempts: number }, deps: DlqCommandDeps): Promise<void> {
  const { stdout, stderr, clock, setExitCode } = io(deps);
  const handler = await loadHandler(flags.handler);
  const policy = retry({ maxAttempts: flags.maxAttempts, backoff: backoff.exponential({ initialMs: 200, maxMs: 10_000 }), clock, rethrowLastError: true });
  const progress = replayProgress(stderr, DLQ_COMMAND_DEFAULTS.progressMinItems);
  let result;
  try {
    result = await withQueue(flags, deps, (queue) => queue.replay(filterOf(flags, ids), handler, { policy, onProgress: (p) => progress.update(p) }));
  } finally {
    progress.end();
  }
  if (flags.json) stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    stdout.write(`Replayed ${result.replayed.length} of ${result.total}; ${result.failed.length} failed.\n`);
    for (const failure of result.failed) stdout.write(`  ${failure.id}: ${failure.error}\n`);
  }
  if (result.failed.length > 0) setExitCode(1);
}

export async function dlqPurge(ids: string[], flags: StorageFlags & FilterFlags & { all?: boolean }, deps: DlqCommandDeps): Promise<void> {
  const { stdout } = io(deps);
  const filter = filterOf(flags, ids);
  if (Object.keys(filter).length === 0 && !flags.all) {
    throw new InvalidArgumentError('purge needs letter ids, a filter (--operation, --status, --correlation) or --all');
  }
  const { removed, queue } = await withQueue(flags, deps, async (q) => ({ removed: await q.purge(filter), queue: q.name }));
  stdout.write(flags.json ? `${JSON.stringify({ queue, removed })}\n` : `Purged ${removed} dead letter${removed === 1 ? '' : 's'} from "${queue}".\n`);
}
