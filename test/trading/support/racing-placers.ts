/**
 * Placers of a fleet (one per process) sharing one journal store and one exchange, made to race
 * on one intent id. A placement's first journal call is its insert of the intent (putIfAbsent):
 * the race is decided there, so that is where the second placer is held, until the moment the
 * timing names. Every hold also ends when the placement it waits for has settled, so no
 * interleaving can leave a placer waiting on a barrier for ever; a placement that never settles
 * fails the race with a message naming it and the journal calls it has in flight.
 */
import ccxt, { type Order } from 'ccxt';
import type { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import type { IntentJournal } from '../../../src/trading/orders/journal.js';
import { simFetch } from '../../../src/trading/sim/fetch.js';
import { type SimRouter, createSimRouter } from '../../../src/trading/sim/router.js';
import { drive } from './offline-binance.js';

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
  /** `answer-between` only: the second placer's move to UNKNOWN met the first placer's answer in the journal and was refused. */
  secondMoveRefused: boolean;
}

/**
 * When the second placer writes the intent:
 * - `together`: as soon as the first placer has issued its insert (both inserts race);
 * - `after-sent`: once the first placer has journalled SENT and its request is on its way;
 * - `answer-between`: as `after-sent`, and the first placer's journal writes wait until the
 *   second has read the intent unresolved; the second's move to UNKNOWN then waits until the
 *   first placer has its answer and has journalled it. The second must continue from that
 *   answer (the move is refused: FILLED is final), not fail or send.
 */
export type RaceTiming = 'together' | 'after-sent' | 'answer-between';

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

/** Journal calls started and not yet settled, by placer, for the message of a race that hangs. */
class InFlight {
  private readonly calls = new Map<number, string>();
  private next = 0;

  track<T>(who: string, call: string, run: () => Promise<T>): Promise<T> {
    const id = this.next++;
    this.calls.set(id, `${who}: ${call}`);
    return run().finally(() => this.calls.delete(id));
  }

  describe(): string {
    return this.calls.size === 0 ? 'none' : [...this.calls.values()].join('; ');
  }
}

/** `journal` with its calls tracked under `who`. */
function tracked(journal: IntentJournal, who: string, inFlight: InFlight): IntentJournal {
  return {
    ...journal,
    putIfAbsent: (intent) => inFlight.track(who, `putIfAbsent(${intent.intentId})`, () => journal.putIfAbsent(intent)),
    get: (id) => inFlight.track(who, `get(${id})`, () => journal.get(id)),
    updateState: (id, state, update) => inFlight.track(who, `updateState(${id}, ${state}${update?.defer === true ? ', deferred' : ''})`, () => journal.updateState(id, state, update)),
  };
}

/**
 * Two resilientExchange wrappers, one per journal handle, each with its own ccxt client, over
 * one simulator, place the same market order under one intent id at once. A market order fills
 * at once, so the exchange accepts a second order with the same client order id (Binance only
 * refuses a duplicate of an OPEN order): only the journal stands between the race and two orders.
 */
export async function raceOnOneIntent(clock: ManualClock, journals: readonly [IntentJournal, IntentJournal], intentId: string, timing: RaceTiming): Promise<RaceResult> {
  const router = createSimRouter({ clock });
  const inFlight = new InFlight();
  const firstInserting = signal();
  const firstSent = signal();
  const firstSettled = signal();
  const firstJournalled = signal();
  const secondInserted = signal();
  const secondSettled = signal();
  let secondMoveRefused = false;

  const first: IntentJournal = {
    ...journals[0],
    putIfAbsent(intent) {
      if (intent.intentId === intentId) firstInserting.fire();
      return journals[0].putIfAbsent(intent);
    },
    async updateState(id, state, update) {
      // answer-between: the writes behind the first placer's request wait until the second has read the intent unresolved.
      if (timing === 'answer-between' && id === intentId && update?.defer === true) await Promise.race([secondInserted.promise, secondSettled.promise]);
      return journals[0].updateState(id, state, update);
    },
  };
  let secondHeldInsert = false;
  let secondHeldMove = false;
  const second: IntentJournal = {
    ...journals[1],
    async putIfAbsent(intent) {
      if (intent.intentId !== intentId || secondHeldInsert) return journals[1].putIfAbsent(intent);
      secondHeldInsert = true;
      await Promise.race([timing === 'together' ? firstInserting.promise : firstSent.promise, firstSettled.promise]);
      return journals[1].putIfAbsent(intent).finally(secondInserted.fire);
    },
    async updateState(id, state, update) {
      if (timing !== 'answer-between' || id !== intentId || state !== 'UNKNOWN' || secondHeldMove) return journals[1].updateState(id, state, update);
      secondHeldMove = true;
      await firstJournalled.promise;
      try {
        return await journals[1].updateState(id, state, update);
      } catch (error) {
        secondMoveRefused = error instanceof RangeError;
        throw error;
      }
    },
  };

  const placers = await Promise.all(
    [tracked(first, 'first placer', inFlight), tracked(second, 'second placer', inFlight)].map(async (journal, i) =>
      resilientExchange(await binanceOver(router, clock), { clock, random: seededRandom(i + 1), journal }),
    ),
  );
  const [a, b] = placers as [(typeof placers)[0], (typeof placers)[0]];
  a.on('intent', (event) => {
    if (event.intentId === intentId && event.to === 'SENT') firstSent.fire();
  });
  router.resetStats();
  const settled = ['pending', 'pending'];
  const orders = [a, b].map((p, i) =>
    p.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intentId }).finally(() => {
      settled[i] = 'settled';
      if (i === 1) secondSettled.fire();
    }),
  );
  // The first placement counts as settled for the holds once its journal writes are durable too.
  void orders[0]!
    .catch(() => undefined)
    .then(() => a.flushJournal())
    .catch(() => undefined)
    .finally(() => {
      firstSettled.fire();
      firstJournalled.fire();
    });
  try {
    // The journal may be PostgreSQL over a socket: fake time advances only as fast as its replies come.
    const outcomes = await drive(clock, Promise.allSettled(orders), 100, 3_000, true);
    return { router, outcomes, secondMoveRefused };
  } catch (error) {
    throw new Error(`race on "${intentId}" (${timing}): first placer ${settled[0]}, second placer ${settled[1]}; journal calls in flight: ${inFlight.describe()}`, { cause: error });
  }
}
