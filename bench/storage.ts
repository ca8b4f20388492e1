/**
 * Durable acknowledged writes per second: each counted write has committed (SQLite with
 * synchronous=FULL, so it is synced to disk; PostgreSQL with its default synchronous_commit=on)
 * before the next one starts. Journal = order intents; DLQ = dead letters.
 *
 * SQLite files go in the data directory (`.bulwark/`, a real disk), never a RAM disk, so fsync
 * costs what it costs in production. Run alone: `npx tsx bench/storage.ts`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { deadLetters } from '../src/dlq/dead-letters.js';
import { postgresStorage } from '../src/storage/postgres.js';
import { orderIntents, type NewOrderIntent } from '../src/storage/repos/order-intents.js';
import { sqliteStorage } from '../src/storage/sqlite.js';
import type { Storage } from '../src/storage/types.js';
import { printTable, type Row } from './harness.js';

export interface StorageBenchOptions {
  /** PostgreSQL to measure; skipped when unreachable. */
  postgresUrl?: string;
  /** Writes per single-write case. */
  singles?: number;
  /** Writes per batched case. */
  batched?: number;
  /** Writes per commit in batched cases. */
  batchSize?: number;
}

const benchDefaults = {
  postgresUrl: process.env.BULWARK_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', // the local test server
  singles: 2_000, // one fsync each: enough to average out disk jitter
  batched: 100_000, // long enough that set-up is noise
  batchSize: 500, // one commit per 500 writes: a burst of fills or failures
} satisfies Required<StorageBenchOptions>;

let serial = 0;
const intent = (n: number): NewOrderIntent => ({
  intentId: `b${serial}-${n}`,
  clientOrderId: `bc${serial}-${n}`,
  exchange: 'sim',
  symbol: 'BTC/USDT',
  side: n % 2 ? 'buy' : 'sell',
  type: 'limit',
  amount: 0.01,
  price: 60_000 + (n % 100),
  params: { timeInForce: 'GTC' },
});
/** Slow-query warnings would drown the table; count them instead. */
const quiet = { warn: () => undefined };

const letter = (n: number) => ({ operation: 'createOrder', payload: { n, symbol: 'BTC/USDT' }, error: 'NetworkError: timeout', attempts: 3, correlationId: `r${n}` });

async function perSecond(writes: number, run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return writes / seconds;
}

async function cases(backend: string, storage: Storage, o: Required<StorageBenchOptions>, singles: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const journal = orderIntents(storage);
  const queue = deadLetters(storage, { name: `bench-${serial}`, maxSize: o.batched + o.singles + 1 });
  serial++;
  if (singles) {
    rows.push({
      group: backend,
      name: `${backend}: journal, one write per commit`,
      opsPerSec: await perSecond(o.singles, async () => {
        for (let n = 0; n < o.singles; n++) await journal.put(intent(n));
      }),
    });
    rows.push({
      group: backend,
      name: `${backend}: DLQ, one write per commit`,
      opsPerSec: await perSecond(o.singles, async () => {
        for (let n = 0; n < o.singles; n++) await queue.add(letter(n));
      }),
    });
  }
  rows.push({
    group: backend,
    name: `${backend}: journal, ${o.batchSize} writes per commit`,
    opsPerSec: await perSecond(o.batched, async () => {
      for (let n = 0; n < o.batched; n += o.batchSize) {
        const batch = Array.from({ length: o.batchSize }, (_, i) => intent(o.singles + n + i));
        await storage.transaction((tx) => orderIntents(tx).putMany(batch));
      }
    }),
  });
  rows.push({
    group: backend,
    name: `${backend}: DLQ, ${o.batchSize} writes per commit`,
    opsPerSec: await perSecond(o.batched, async () => {
      for (let n = 0; n < o.batched; n += o.batchSize) {
        await queue.addMany(Array.from({ length: o.batchSize }, (_, i) => letter(n + i)));
      }
    }),
  });
  return rows;
}

export async function benchStorage(options: StorageBenchOptions = {}): Promise<Row[]> {
  const o = { ...benchDefaults, ...options };
  const rows: Row[] = [];

  const dir = join('.bulwark', `bench-${process.pid}`);
  const sqlite = await sqliteStorage({ path: join(dir, 'bench.db'), logger: quiet });
  try {
    rows.push(...(await cases('SQLite', sqlite, o, true)));
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const schema = `bench_${process.pid}`;
  let pg: Storage | undefined;
  try {
    pg = await postgresStorage({ connectionString: o.postgresUrl, schema, connectionTimeoutMs: 3_000, logger: quiet });
  } catch (error) {
    rows.push({ group: 'PostgreSQL', name: 'skipped', note: `unreachable: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (pg) {
    try {
      rows.push(...(await cases('PostgreSQL', pg, o, true)));
    } finally {
      await pg.exec(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
      await pg.close();
    }
  }

  printTable('Durable acknowledged writes per second', rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStorage();
