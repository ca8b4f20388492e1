/**
 * Orders per second through the order path, side by side: raw ccxt, then `resilientExchange` with
 * the in-memory journal, a SQLite journal (a file in `.bulwark/`, a real disk) with
 * synchronous=FULL (the default: a commit survives power loss) and NORMAL (survives a process
 * crash; a power cut may lose the last commits), and a PostgreSQL journal (skipped when
 * unreachable), one order at a time and 16 in flight.
 *
 * The exchange is the simulator over loopback HTTP, in a process of its own (bench/orders-sim.ts),
 * with a fresh one per case so every case starts from an empty book. ccxt's own rate limiter is
 * off. Every order is a market order that fills at once (buys and sells alternate). Raw ccxt is
 * called as a user calls it, with no params: ccxt then sends its own 32-character client order id
 * (the wrapper's ids are 32 characters too). A shorter id makes every order cheaper for the client
 * (about 40 µs of CPU at 12 characters or fewer on the machine measured), so the two send the same.
 *
 * Besides the rate, every case reports the client process's CPU time per order (user + system,
 * process.cpuUsage around the measured orders): on a shared machine the wall rate moves with the
 * neighbours, CPU per order much less. The CPU ratio is raw ccxt's CPU per order over the case's.
 *
 *   npm run bench -- orders
 *   BULWARK_BENCH_ORDERS=2000 BULWARK_BENCH_ROUNDS=5 npm run bench -- orders
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import { postgresStorage } from '../src/storage/postgres.js';
import { orderIntents } from '../src/storage/repos/order-intents.js';
import { sqliteStorage } from '../src/storage/sqlite.js';
import type { Storage } from '../src/storage/types.js';
import { type ResilientExchange, resilientExchange } from '../src/trading/exchange.js';
import type { IntentJournal } from '../src/trading/orders/journal.js';
import { memoryJournal } from '../src/trading/orders/memory-journal.js';
import { storageJournal } from '../src/trading/orders/storage-journal.js';
import { pointAtSimulator } from '../src/trading/sim/connect.js';
import { printTable, type Row } from './harness.js';

export interface OrdersBenchOptions {
  /** PostgreSQL to measure; skipped when unreachable. */
  postgresUrl?: string;
  /** Orders measured per case and round. */
  orders?: number;
  /** Orders sent before measuring (connections warm, JIT settled). */
  warmup?: number;
  /** Rounds of every case; the median is reported. */
  rounds?: number;
  /** Port of the simulator (0: any free one). */
  simPort?: number;
}

const ORDERS_BENCH_DEFAULTS = {
  postgresUrl: process.env.BULWARK_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', // the local test server
  orders: Number(process.env.BULWARK_BENCH_ORDERS ?? 1_500), // a few seconds per case: commits and GC average out
  warmup: 200, // keep-alive connections open, the JIT has seen the path
  rounds: Number(process.env.BULWARK_BENCH_ROUNDS ?? 3), // cases interleave across rounds, so a neighbour's burst hits one round, not one case
  simPort: Number(process.env.BULWARK_BENCH_SIM_PORT ?? 0),
} satisfies Required<OrdersBenchOptions>;

const CONCURRENCY = [1, 16] as const;
/** 10 USDT at the simulator's 50,000: above its 5 USDT minimum notional. */
const AMOUNT = 0.0002;
const quiet = { warn: () => undefined };

interface Sim {
  url: string;
  stop(): void;
}

async function startSim(port: number): Promise<Sim> {
  const script = fileURLToPath(new URL('./orders-sim.js', import.meta.url));
  const proc: ChildProcess = spawn(process.execPath, [script, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) resolve(line.slice('listening '.length));
    });
  });
  return { url, stop: () => proc.stdin?.end() };
}

/** Something that places one order. */
type Place = (n: number) => Promise<unknown>;

interface Measured {
  /** Orders per second. */
  rate: number;
  /** CPU time of this process per order (user + system), µs. */
  cpuUs: number;
}

/** Places `orders` orders with `inFlight` at a time: the rate, and this process's CPU time per order. */
async function rate(place: Place, orders: number, inFlight: number, offset: number): Promise<Measured> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < orders) await place(offset + next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rate: orders / seconds, cpuUs: (used.user + used.system) / orders };
}

interface Setup {
  name: string;
  /** A journal for one case (undefined: raw ccxt), and how to dispose of it. */
  open(): Promise<{ journal: IntentJournal | undefined; close(): Promise<void> } | undefined>;
}

function setups(o: Required<OrdersBenchOptions>, skipped: Row[]): Setup[] {
  let serial = 0;
  const dir = join('.bulwark', `bench-orders-${process.pid}`);
  const pgSchema = (): string => `bench_orders_${process.pid}_${serial++}`;
  return [
    { name: 'raw ccxt', open: async () => ({ journal: undefined, close: async () => undefined }) },
    { name: 'memory journal', open: async () => ({ journal: memoryJournal(), close: async () => undefined }) },
    ...(['FULL', 'NORMAL'] as const).map((synchronous) => ({
      name: `SQLite journal (synchronous=${synchronous})`,
      open: async () => {
        const path = join(dir, `journal-${serial++}.db`);
        const db = await sqliteStorage({ path, synchronous, logger: quiet });
        return {
          journal: storageJournal(orderIntents(db)),
          close: async () => {
            await db.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    })),
    {
      name: 'PostgreSQL journal',
      open: async () => {
        const schema = pgSchema();
        let db: Storage;
        try {
          db = await postgresStorage({ connectionString: o.postgresUrl, schema, connectionTimeoutMs: 3_000, logger: quiet });
        } catch (error) {
          if (skipped.length === 0) skipped.push({ group: 'orders', name: 'PostgreSQL journal: skipped', note: `unreachable: ${error instanceof Error ? error.message : String(error)}` });
          return undefined;
        }
        return {
          journal: storageJournal(orderIntents(db)),
          close: async () => {
            await db.exec(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
            await db.close();
          },
        };
      },
    },
  ];
}

/** One case: a fresh simulator, a fresh ccxt client, warm-up, then the measured orders. */
async function runCase(o: Required<OrdersBenchOptions>, setup: Setup, inFlight: number): Promise<Measured | undefined> {
  const opened = await setup.open();
  if (!opened) return undefined;
  const sim = await startSim(o.simPort);
  let rex: ResilientExchange | undefined;
  try {
    const exchange = pointAtSimulator(new ccxt.binance({ apiKey: 'bench', secret: 'bench', enableRateLimit: false }), sim.url);
    await exchange.loadMarkets();
    const side = (n: number): 'buy' | 'sell' => (n % 2 === 0 ? 'buy' : 'sell');
    let place: Place;
    if (opened.journal === undefined) {
      place = (n) => exchange.createOrder('BTC/USDT', 'market', side(n), AMOUNT);
    } else {
      const wrapped = resilientExchange(exchange, { journal: opened.journal });
      rex = wrapped;
      place = (n) => wrapped.createOrder('BTC/USDT', 'market', side(n), AMOUNT, undefined, { intentId: `bench-${n}` });
    }
    await rate(place, o.warmup, inFlight, 0);
    return await rate(place, o.orders, inFlight, o.warmup);
  } finally {
    // The transitions written behind the last orders land before the storage closes.
    await rex?.flushJournal();
    sim.stop();
    await opened.close();
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const range = (values: number[], digits = 0): string => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;

export async function benchOrders(options: OrdersBenchOptions = {}): Promise<Row[]> {
  const o = { ...ORDERS_BENCH_DEFAULTS, ...options };
  const skipped: Row[] = [];
  const all = setups(o, skipped);
  const results = new Map<string, Measured[]>();
  for (let round = 0; round < o.rounds; round++) {
    for (const inFlight of CONCURRENCY) {
      // Each round starts with another case, so no case always runs first (or right after the slowest).
      const order = all.map((_, i) => all[(i + round) % all.length]!);
      for (const setup of order) {
        const measured = await runCase(o, setup, inFlight);
        if (measured === undefined) continue;
        const key = `${setup.name}|${inFlight}`;
        results.set(key, [...(results.get(key) ?? []), measured]);
      }
    }
  }
  const rows: Row[] = [];
  for (const inFlight of CONCURRENCY) {
    const rawRuns = results.get(`raw ccxt|${inFlight}`) ?? [];
    const rawRate = median(rawRuns.map((r) => r.rate));
    const rawCpu = median(rawRuns.map((r) => r.cpuUs));
    for (const setup of all) {
      const runs = results.get(`${setup.name}|${inFlight}`);
      if (!runs) continue;
      const rates = runs.map((r) => r.rate);
      const cpus = runs.map((r) => r.cpuUs);
      // Ratios against raw ccxt of the same round (the rounds move together with the machine's load).
      const rateRatios = runs.map((r, i) => r.rate / (rawRuns[i]?.rate ?? NaN));
      const cpuRatios = runs.map((r, i) => (rawRuns[i]?.cpuUs ?? NaN) / r.cpuUs);
      rows.push({
        group: String(inFlight),
        name: `${setup.name}, ${inFlight} in flight`,
        opsPerSec: median(rates),
        value: median(rates) / rawRate,
        unit: 'x raw ccxt',
        note: `runs ${rates.map((r) => Math.round(r)).join(', ')}/s; x raw per round ${range(rateRatios, 2)}; CPU ${Math.round(median(cpus))} µs/order (${range(cpus)}), raw/this ${(rawCpu / median(cpus)).toFixed(2)} (per round ${range(cpuRatios, 2)})`,
      });
    }
  }
  rows.push(...skipped);
  printTable(`Orders per second against the simulator on loopback (${o.orders} orders per case, median of ${o.rounds} rounds)`, rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchOrders();
