/**
 * Placers of a fleet (one per process) sharing one journal store and one exchange, made to race
 * on one intent id: every placer reads the journal and finds nothing before the intent is
 * written. That is the interleaving a fleet on one database can hit; the read barrier makes it
 * certain instead of likely.
 */
import ccxt, { type Order } from 'ccxt';
import type { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import type { IntentJournal } from '../../../src/trading/orders/journal.js';
import { simFetch } from '../../../src/trading/sim/fetch.js';
import { type SimRouter, createSimRouter } from '../../../src/trading/sim/router.js';
import { drive } from './offline-binance.js';

/** A journal handle whose first read of `intentId` returns its answer only once `until` resolves. */
function holdFirstRead(journal: IntentJournal, intentId: string, until: () => Promise<void>): IntentJournal {
  let held = false;
  return {
    ...journal,
    async get(id) {
      const result = await journal.get(id);
      if (id !== intentId || held) return result;
      held = true;
      await until();
      return result;
    },
  };
}

/** A ccxt.binance of its own (one per process) over the shared simulator. */
async function binanceOver(router: SimRouter, clock: ManualClock): Promise<InstanceType<typeof ccxt.binance>> {
  const exchange = new ccxt.binance({ apiKey: 'test-key', secret: 'test-secret', enableRateLimit: false, fetchImplementation: simFetch(router, { timeoutMs: 10_000 }) });
  // ccxt signs requests with its own wall-clock time; the simulator checks it against its clock (recvWindow).
  exchange.milliseconds = () => clock.now();
  await exchange.loadMarkets();
  return exchange;
}

export interface RaceResult {
  router: SimRouter;
  outcomes: PromiseSettledResult<Order>[];
}

/**
 * When the second placer, having read "no such intent", goes on to write it:
 * - `together`: as soon as the first placer has read too (both inserts race);
 * - `after-sent`: once the first placer has journalled SENT and its request is on its way.
 */
export type RaceTiming = 'together' | 'after-sent';

/**
 * Two resilientExchange wrappers, one per journal handle, each with its own ccxt client, over
 * one simulator, place the same market order under one intent id at once. A market order fills
 * at once, so the exchange accepts a second order with the same client order id (Binance only
 * refuses a duplicate of an OPEN order): only the journal stands between the race and two orders.
 */
export async function raceOnOneIntent(clock: ManualClock, journals: readonly [IntentJournal, IntentJournal], intentId: string, timing: RaceTiming): Promise<RaceResult> {
  const router = createSimRouter({ clock });
  let firstRead!: () => void;
  let firstSent!: () => void;
  const readDone = new Promise<void>((resolve) => (firstRead = resolve));
  const sentDone = new Promise<void>((resolve) => (firstSent = resolve));
  const first = holdFirstRead(journals[0], intentId, async () => firstRead());
  const second = holdFirstRead(journals[1], intentId, () => (timing === 'together' ? readDone : sentDone));
  const [a, b] = await Promise.all([first, second].map(async (journal, i) => resilientExchange(await binanceOver(router, clock), { clock, random: seededRandom(i + 1), journal })));
  a!.on('intent', (event) => {
    if (event.intentId === intentId && event.to === 'SENT') firstSent();
  });
  router.resetStats();
  const orders = [a!, b!].map((p) => p.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intentId }));
  // The journal may be PostgreSQL over a socket: fake time advances only as fast as its replies come.
  const outcomes = await drive(clock, Promise.allSettled(orders), 100, 20_000, true);
  return { router, outcomes };
}
