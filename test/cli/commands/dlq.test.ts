import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDlq, replayProgress } from '../../../src/cli/commands/dlq.js';
import { ManualClock } from '../../../src/core/clock.js';
import { deadLetters, type DeadLetter } from '../../../src/dlq/index.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { tempDir } from '../../storage/helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A database with `letters` dead letters in queue `queue`, and a runner for `bulwark dlq ...`. */
async function setup(letters: Array<{ operation: string; payload: unknown; correlationId?: string }>, queue = 'orders') {
  const temp = tempDir('bulwark-dlq-cli-');
  cleanups.push(temp.remove);
  const db = join(temp.dir, 'bulwark.db');
  const storage = await sqliteStorage({ path: db });
  let n = 0;
  await deadLetters(storage, { name: queue, newId: () => `d${++n}` }).addMany(letters.map((l) => ({ ...l, error: new Error('exchange down') })));
  await storage.close();
  const exitCodes: number[] = [];
  /** Runs `bulwark dlq ARGS` with exactly the arguments given (no --db added). */
  const bare = async (...args: string[]) => {
    const out: string[] = [];
    const program = new Command('bulwark').exitOverride();
    registerDlq(program, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => undefined }, clock: new ManualClock(0), env: {} });
    await program.parseAsync(['node', 'bulwark', 'dlq', ...args]);
    return out.join('');
  };
  const run = async (tty: boolean, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('bulwark').exitOverride();
    program.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    registerDlq(program, {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: tty },
      clock: new ManualClock(0),
      env: {},
      setExitCode: (code) => exitCodes.push(code),
    });
    await program.parseAsync(['node', 'bulwark', 'dlq', ...args, '--db', db, '--queue', 'orders']);
    return { out: out.join(''), err: err.join('') };
  };
  return { dir: temp.dir, db, exitCodes, bare, run: (...args: string[]) => run(false, ...args), runTty: (...args: string[]) => run(true, ...args) };
}

describe('bulwark dlq', () => {
  it('list prints a table, filters, and prints JSON', async () => {
    const { run } = await setup([
      { operation: 'createOrder', payload: { n: 1 }, correlationId: 'r1' },
      { operation: 'cancelOrder', payload: { n: 2 } },
    ]);
    const text = (await run('list')).out.trim().split('\n');
    expect(text[0]).toMatch(/^ID\s+OPERATION\s+STATUS\s+ATTEMPTS\s+LAST FAILURE\s+CORRELATION\s+ERROR$/);
    expect(text.slice(1).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['d1', 'createOrder', 'pending'],
      ['d2', 'cancelOrder', 'pending'],
    ]);
    expect(text[1]).toContain('Error: exchange down');
    const json = JSON.parse((await run('list', '--operation', 'cancelOrder', '--json')).out) as DeadLetter[];
    expect(json.map((l) => l.payload)).toEqual([{ n: 2 }]);
    expect((await run('list', '--status', 'replayed')).out).toBe('No dead letters in "orders".\n');
  });

  it('replay runs the handler module over pending letters and marks them replayed', async () => {
    const { dir, run } = await setup([
      { operation: 'createOrder', payload: { n: 1 } },
      { operation: 'createOrder', payload: { n: 2 } },
    ]);
    const seen = join(dir, 'seen.txt');
    const handler = join(dir, 'handler.mjs');
    writeFileSync(
      handler,
      `import { appendFileSync } from 'node:fs';\nexport default (letter, ctx) => appendFileSync(${JSON.stringify(seen)}, ctx.idempotencyKey + '\\n');\n`,
    );
    const result = await run('replay', '--handler', handler);
    expect(result.out).toBe('Replayed 2 of 2; 0 failed.\n');
    expect(readFileSync(seen, 'utf8')).toBe('dlq:orders:d1\ndlq:orders:d2\n');
    const after = JSON.parse((await run('list', '--json')).out) as DeadLetter[];
    expect(after.map((l) => l.status)).toEqual(['replayed', 'replayed']);
    // Nothing left pending: a second replay does nothing.
    expect((await run('replay', '--handler', handler)).out).toBe('Replayed 0 of 0; 0 failed.\n');
  });

  it('replay of one id with a failing handler reports the failure and sets exit code 1', async () => {
    const { dir, run, exitCodes } = await setup([
      { operation: 'a', payload: 1 },
      { operation: 'b', payload: 2 },
    ]);
    const handler = join(dir, 'fail.mjs');
    writeFileSync(handler, `export function replay() { throw new Error('still down'); }\n`);
    const result = await run('replay', 'd2', '--handler', handler, '--max-attempts', '1');
    expect(result.out).toBe('Replayed 0 of 1; 1 failed.\n  d2: Error: still down\n');
    expect(exitCodes).toEqual([1]);
  });

  it('replay refuses a module without a handler function', async () => {
    const { dir, run } = await setup([{ operation: 'a', payload: 1 }]);
    const handler = join(dir, 'none.mjs');
    writeFileSync(handler, 'export const x = 1;\n');
    await expect(run('replay', '--handler', handler)).rejects.toThrow(/must export a function as default or as "replay"/);
  });

  it('purge needs ids, a filter or --all, and reports how many it removed', async () => {
    const { run } = await setup([
      { operation: 'a', payload: 1 },
      { operation: 'b', payload: 2 },
      { operation: 'b', payload: 3 },
    ]);
    await expect(run('purge')).rejects.toThrow(/purge needs letter ids, a filter .* or --all/);
    expect((await run('purge', 'd1')).out).toBe('Purged 1 dead letter from "orders".\n');
    expect((await run('purge', '--operation', 'b')).out).toBe('Purged 2 dead letters from "orders".\n');
    expect((await run('purge', '--all')).out).toBe('Purged 0 dead letters from "orders".\n');
  });

  it('shows progress on long replays: a line per 25 % without a terminal', async () => {
    const { dir, run } = await setup(Array.from({ length: 40 }, (_, n) => ({ operation: 'op', payload: n })));
    const handler = join(dir, 'ok.mjs');
    writeFileSync(handler, 'export default () => {};\n');
    const result = await run('replay', '--handler', handler);
    expect(result.err.trim().split('\n')).toEqual([
      'replaying: 0% (1/40, ok 1, failed 0)',
      'replaying: 25% (10/40, ok 10, failed 0)',
      'replaying: 50% (20/40, ok 20, failed 0)',
      'replaying: 75% (30/40, ok 30, failed 0)',
      'replaying: 100% (40/40, ok 40, failed 0)',
    ]);
  });

  it('on a terminal the progress bar is redrawn in place and ends with a newline', async () => {
    const writes: string[] = [];
    const bar = replayProgress({ write: (s) => writes.push(s), isTTY: true }, 2);
    bar.update({ done: 1, total: 2, replayed: 1, failed: 0 });
    bar.update({ done: 2, total: 2, replayed: 1, failed: 1 });
    bar.end();
    expect(writes).toEqual([
      `\rreplaying [${'#'.repeat(15)}${'.'.repeat(15)}]  50% 1/2 (ok 1, failed 0)`,
      `\rreplaying [${'#'.repeat(30)}] 100% 2/2 (ok 1, failed 1)`,
      '\n',
    ]);
  });

  it('short replays print no progress', async () => {
    const writes: string[] = [];
    const bar = replayProgress({ write: (s) => writes.push(s) }, 20);
    bar.update({ done: 1, total: 5, replayed: 1, failed: 0 });
    bar.end();
    expect(writes).toEqual([]);
  });

  it('rejects a bad --max-attempts naming the option', async () => {
    const { dir, run } = await setup([]);
    const handler = join(dir, 'ok.mjs');
    writeFileSync(handler, 'export default () => {};\n');
    await expect(run('replay', '--handler', handler, '--max-attempts', '0')).rejects.toThrow('--max-attempts must be an integer >= 1, got 0');
  });

  it('refuses a --db that does not exist instead of creating it', async () => {
    const { dir, bare } = await setup([]);
    const missing = join(dir, 'missing.db');
    await expect(bare('list', '--db', missing)).rejects.toThrow(`--db ${missing}: no such database (nothing is created)`);
    expect(existsSync(missing)).toBe(false);
    await expect(bare('list', '--data-dir', join(dir, 'nowhere'))).rejects.toThrow(/--data-dir: no database at .*nowhere.*bulwark\.db; start the service first/);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('finds the database in --data-dir and reads the queue the demo fills without --queue', async () => {
    const { dir, bare } = await setup([{ operation: 'createOrder', payload: 1 }]);
    const letters = JSON.parse(await bare('list', '--data-dir', dir, '--json')) as DeadLetter[];
    expect(letters.map((l) => [l.queue, l.id])).toEqual([['orders', 'd1']]);
  });

  it('bulwark dlq alone lists the queues with their counts', async () => {
    const { db, bare } = await setup([
      { operation: 'a', payload: 1 },
      { operation: 'b', payload: 2 },
    ]);
    expect(await bare('--db', db)).toMatch(/^QUEUE\s+LETTERS\s+PENDING\norders\s+2\s+2\n$/);
    expect(JSON.parse(await bare('queues', '--db', db, '--json'))).toEqual([{ queue: 'orders', letters: 2, pending: 2 }]);
  });

  it('an empty queue names the queues that do hold letters', async () => {
    const { db, bare } = await setup([{ operation: 'a', payload: 1 }], 'payments');
    expect(await bare('list', '--db', db)).toBe('No dead letters in "orders"; letters are in "payments" (1): give --queue.\n');
  });

  it('purge --json prints the count as JSON', async () => {
    const { run } = await setup([{ operation: 'a', payload: 1 }]);
    expect(JSON.parse((await run('purge', '--all', '--json')).out)).toEqual({ queue: 'orders', removed: 1 });
  });
});
