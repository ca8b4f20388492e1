/**
 * Breaker persistence: one breaker per exchange in a registry, saved to a JSON file at shutdown
 * and restored at start-up, so a restart does not hammer an exchange its breaker had given up on.
 *
 * First run: Binance fails three times in a row and its breaker opens; the registry's snapshot is
 * written to a file. "Restart": a new registry is built from the file; Binance is still open and
 * refuses calls at once without calling the exchange, Kraken is closed. Once the open time is
 * over a trial call succeeds and the breaker closes.
 *
 * Run: npx tsx examples/breaker-persistence.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokenCircuitError, type CircuitBreakerSnapshot, type Clock, createRegistry, systemClock } from 'bulwark';

export interface BreakerPersistenceOptions {
  /** Where the snapshot is kept; a file in the temporary directory by default. */
  file?: string;
  clock?: Clock;
  log?: (line: string) => void;
}

const exchanges = ['binance', 'kraken', 'coinbase'] as const;
const openMs = 2_000;

/** At start-up: a registry with the saved breaker states, or fresh breakers when there are none. */
async function loadRegistry(file: string, clock: Clock) {
  // A missing file means a first start; a corrupt one makes createRegistry throw, naming the breaker.
  const saved = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, CircuitBreakerSnapshot>,
    () => ({}),
  );
  return createRegistry({ defaults: { window: { kind: 'consecutive', failures: 3 }, openMs, clock }, initialStates: saved });
}

export async function main(options: BreakerPersistenceOptions = {}) {
  const file = options.file ?? join(tmpdir(), 'bulwark-example-breakers.json');
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));
  let exchangeCalls = 0;
  const down = () => {
    exchangeCalls++;
    return Promise.reject(new Error('503 Service Unavailable'));
  };
  const up = () => {
    exchangeCalls++;
    return Promise.resolve('ok');
  };

  // --- first run -------------------------------------------------------------------------
  const before = await loadRegistry(file, clock);
  for (const name of exchanges) before.breaker(name);
  for (let i = 0; i < 3; i++) await before.breaker('binance').execute(down).catch(() => undefined);
  await before.breaker('kraken').execute(up);
  const savedStates = Object.fromEntries([...before].map(([name, breaker]) => [name, breaker.state]));
  log(`before shutdown: ${JSON.stringify(savedStates)}`);
  await writeFile(file, JSON.stringify(before.snapshot()));

  // --- restart ---------------------------------------------------------------------------
  const after = await loadRegistry(file, clock);
  const restoredStates = Object.fromEntries(exchanges.map((name) => [name, after.breaker(name).state]));
  log(`after restart:   ${JSON.stringify(restoredStates)}`);

  const callsBefore = exchangeCalls;
  let refusedFor: number | undefined;
  try {
    await after.breaker('binance').execute(up);
  } catch (error) {
    if (!(error instanceof BrokenCircuitError)) throw error;
    refusedFor = error.retryAfterMs;
    log(`binance refused at once; next trial in ${refusedFor} ms`);
  }
  const exchangeCallsWhileOpen = exchangeCalls - callsBefore;

  await clock.sleep(openMs);
  await after.breaker('binance').execute(up);
  const finalState = after.breaker('binance').state;
  log(`after ${openMs} ms a trial call succeeded: binance is ${finalState}`);
  return { savedStates, restoredStates, refusedFor, exchangeCallsWhileOpen, finalState };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
