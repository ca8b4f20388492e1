/**
 * Dead letters: fill reports that could not reach the accounting service are kept, then replayed.
 *
 * While the accounting service is down, each fill report is retried three times and then stored
 * in a dead-letter queue (SQLite) with its payload and last error, instead of being lost. Once the
 * service is back, the queue is replayed. One reply is lost on the way back during the replay,
 * so that letter's handler runs twice; the service sees the same idempotency key both times and
 * books the fill once. Replayed letters are then purged.
 *
 * Run: npx tsx examples/dead-letters.ts
 */
import { type Clock, backoff, retry, systemClock } from 'bulwark';
import { deadLetters } from 'bulwark/dlq';
import { sqliteStorage } from 'bulwark/storage';

export interface DeadLettersExampleOptions {
  clock?: Clock;
  /** The SQLite file; a throwaway in-memory database by default. */
  path?: string;
  log?: (line: string) => void;
}

interface Fill {
  orderId: string;
  symbol: string;
  qty: number;
  price: number;
}

/** The accounting service: books each fill once per idempotency key. */
function accountingService() {
  const booked = new Map<string, Fill>();
  let up = false;
  let loseNextReply = false;
  return {
    booked,
    calls: 0,
    recover(options: { loseOneReply: boolean }) {
      up = true;
      loseNextReply = options.loseOneReply;
    },
    async book(fill: Fill, idempotencyKey: string): Promise<void> {
      this.calls++;
      if (!up) throw new Error('503 Service Unavailable');
      if (!booked.has(idempotencyKey)) booked.set(idempotencyKey, fill);
      if (loseNextReply) {
        loseNextReply = false;
        throw new Error('socket hang up'); // booked, but the caller cannot know
      }
    },
  };
}

export async function main(options: DeadLettersExampleOptions = {}) {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));
  const db = await sqliteStorage({ path: options.path ?? ':memory:', clock });
  const accounting = accountingService();
  const retries = retry({ maxAttempts: 3, backoff: backoff.constant(200), clock });
  const fills = deadLetters(db, { name: 'fills', policy: retries, clock });

  try {
    const reports: Fill[] = [
      { orderId: 'o-1', symbol: 'BTC/USDT', qty: 0.01, price: 64_000 },
      { orderId: 'o-2', symbol: 'ETH/USDT', qty: 0.5, price: 3_100 },
      { orderId: 'o-3', symbol: 'SOL/USDT', qty: 4, price: 150 },
    ];
    for (const fill of reports) {
      try {
        await retries.execute(() => accounting.book(fill, `fill:${fill.orderId}`));
      } catch (error) {
        await fills.add({ operation: 'bookFill', payload: { ...fill }, error, attempts: 3, correlationId: fill.orderId });
      }
    }
    const pending = await fills.count({ status: 'pending' });
    log(`accounting down: ${pending} fills dead-lettered`);
    for (const letter of await fills.list()) log(`  ${letter.id} ${letter.operation} ${letter.correlationId}: ${letter.error}`);

    accounting.recover({ loseOneReply: true });
    const callsBefore = accounting.calls;
    const result = await fills.replay({ operation: 'bookFill' }, (letter, { idempotencyKey }) => accounting.book(letter.payload as Fill, idempotencyKey));
    const replayCalls = accounting.calls - callsBefore;
    log(`replayed ${result.replayed.length} of ${result.total} (${result.failed.length} failed) in ${replayCalls} calls; accounting booked ${accounting.booked.size}`);

    const purged = await fills.purge({ status: 'replayed' });
    log(`purged ${purged} replayed letters; ${await fills.count()} left`);
    return { deadLettered: pending, replayed: result.replayed.length, failed: result.failed.length, replayCalls, booked: accounting.booked.size, purged };
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
