/**
 * A resilient exchange over the in-process simulator (ManualClock) with an in-memory journal and
 * every intent event recorded: what the order follower's tests run against. One lookup round, no
 * read retries and no breakers, so each test decides what the exchange answers.
 */
import { seededRandom } from '../../../src/core/random.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import type { IntentJournal } from '../../../src/trading/orders/journal.js';
import { memoryJournal } from '../../../src/trading/orders/memory-journal.js';
import type { IntentEvent } from '../../../src/trading/orders/placement.js';
import { offlineBinance } from './offline-binance.js';

export interface FollowerSetupOptions {
  /** null: the exchange has no never-placed rule. */
  neverPlaced?: null;
  lookupAttempts?: number;
}

export async function followerSetup(options: FollowerSetupOptions = {}) {
  const sim = await offlineBinance();
  const journal = memoryJournal({ clock: sim.clock });
  const rex = resilientExchange(sim.exchange, {
    clock: sim.clock,
    journal,
    random: seededRandom(7),
    lookupAttempts: options.lookupAttempts ?? 1,
    maxAttempts: 1,
    breaker: false,
    ...(options.neverPlaced === null ? { neverPlaced: null } : {}),
  });
  const events: IntentEvent[] = [];
  rex.on('intent', (e) => events.push(e));
  return { ...sim, journal, rex, events };
}

export type FollowerSetup = Awaited<ReturnType<typeof followerSetup>>;

/** An intent's state in the journal, undefined when it has none. */
export const stateOf = async (journal: IntentJournal, intentId: string): Promise<string | undefined> => (await journal.get(intentId))?.state;
