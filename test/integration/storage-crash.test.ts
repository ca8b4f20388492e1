import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresStorage } from '../../src/storage/postgres.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { tempDir, memoryLogger } from '../storage/helpers.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

/**
 * kill -9 of a writer in the middle of a stream of acknowledged writes: every id the writer
 * printed (it prints only after the commit returned) must be in the database afterwards.
 */

/** A ceiling for a loaded machine (child start-up plus hundreds of synced commits), not a measured threshold. */
const generous = 90_000;

const writerScript = fileURLToPath(new URL('./fixtures/storage-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged at least `atLeast` ids, then SIGKILLs it. Resolves with the ids it printed. */
function runAndKill(args: string[], atLeast: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let stderr = '';
    const acknowledged: string[] = [];
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? ''; // only complete lines count as acknowledged
      for (const line of lines) if (line !== 'ready') acknowledged.push(line);
      if (!killed && acknowledged.length >= atLeast) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited on its own (code ${String(code)}): ${stderr}`));
    });
  });
}

async function missingFrom(storage: Storage, ids: string[]): Promise<string[]> {
  const stored = new Set((await storage.all<{ intent_id: string }>('SELECT intent_id FROM order_intents')).map((r) => r.intent_id));
  return ids.filter((id) => !stored.has(id));
}

describe('kill -9 of a SQLite writer loses no acknowledged write', () => {
  const temp = tempDir('bulwark-crash-');
  afterAll(() => temp.remove());

  it.each([
    ['one write per commit', 1, 300],
    ['batches of 100 per commit', 100, 3_000],
  ])('%s', async (name, batch, atLeast) => {
    const path = join(temp.dir, `${batch}.db`);
    const acknowledged = await runAndKill(['sqlite', path, String(batch)], atLeast);
    expect(acknowledged.length).toBeGreaterThanOrEqual(atLeast);
    const storage = await sqliteStorage({ path, logger: memoryLogger() });
    try {
      expect(await storage.one('PRAGMA integrity_check')).toEqual({ integrity_check: 'ok' });
      expect(await missingFrom(storage, acknowledged)).toEqual([]);
    } finally {
      await storage.close();
    }
  }, generous);
});

const pgAvailable = await requireService('PostgreSQL', probePostgres);

describeWith(pgAvailable, 'kill -9 of a PostgreSQL writer loses no acknowledged write', () => {
  const schema = uniqueSchema('bw_crash');
  afterAll(() => dropSchema(schema));

  it.each([
    ['one write per commit', 1, 300],
    ['batches of 100 per commit', 100, 3_000],
  ])('%s', async (name, batch, atLeast) => {
    const storage = await postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger() });
    try {
      await storage.exec('DELETE FROM order_intents');
      const acknowledged = await runAndKill(['postgres', postgresUrl, schema, String(batch)], atLeast);
      expect(acknowledged.length).toBeGreaterThanOrEqual(atLeast);
      expect(await missingFrom(storage, acknowledged)).toEqual([]);
    } finally {
      await storage.close();
    }
  }, generous);
});
