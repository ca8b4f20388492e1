/** A real ccxt.binance running offline against the simulator's router (no socket), on a ManualClock. */
import ccxt from 'ccxt';
import { ManualClock } from '../../../src/core/clock.js';
import { simFetch } from '../../../src/trading/sim/fetch.js';
import { type SimRouter, createSimRouter } from '../../../src/trading/sim/router.js';
import type { SimFaultsInput } from '../../../src/trading/sim/faults.js';

export interface OfflineBinance {
  exchange: InstanceType<typeof ccxt.binance>;
  router: SimRouter;
  clock: ManualClock;
}

/** ccxt.binance with markets loaded; request counters are zeroed after loading, so tests count only their own requests. */
export async function offlineBinance(options: { faults?: SimFaultsInput; clock?: ManualClock } = {}): Promise<OfflineBinance> {
  const clock = options.clock ?? new ManualClock(1_700_000_000_000);
  const router = createSimRouter({ clock, faults: options.faults });
  const exchange = new ccxt.binance({
    apiKey: 'test-key',
    secret: 'test-secret',
    enableRateLimit: false,
    fetchImplementation: simFetch(router, { timeoutMs: 10_000 }),
  });
  // ccxt signs requests with its own wall-clock time; the simulator checks it against its clock (recvWindow).
  exchange.milliseconds = () => clock.now();
  await exchange.loadMarkets();
  router.resetStats();
  return { exchange, router, clock };
}

/**
 * Advances the clock in steps until `promise` settles, so waits inside the code under test complete.
 * `ioTurns`: each step also lets the event loop turn once, so code waiting on real I/O (a database
 * over a socket) makes progress between steps, and the steps go on past `maxSteps` while it has
 * not settled (up to 15 s of real time): a wait on the clock after a slow reply still ends.
 * A promise still pending when the steps run out fails the call (it would wait on nothing that
 * moves any more) with a message saying how far time went.
 */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, stepMs = 100, maxSteps = 20_000, ioTurns = false): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  const started = Date.now();
  let steps = 0;
  for (; !settled && (steps < maxSteps || (ioTurns && Date.now() - started < DRIVE_IO_MS)); steps++) {
    await clock.advance(stepMs);
    if (ioTurns) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!settled) {
    const real = ioTurns ? ` and ${Date.now() - started} ms of real time` : '';
    throw new Error(`drive: the promise did not settle within ${steps} steps of ${stepMs} ms (${steps * stepMs} ms of clock time${real})`);
  }
  return watched;
}

/** How long `drive` with `ioTurns` keeps stepping past `maxSteps` while real I/O may still answer. */
const DRIVE_IO_MS = 15_000;
