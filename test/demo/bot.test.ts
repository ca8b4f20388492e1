/** The demo bot: cheap refusals first, one charge per order against the rate limit. */
import { describe, expect, it } from 'vitest';
import type { Limiter } from '../../src/core/limiter.js';
import { seededRandom } from '../../src/core/random.js';
import { DemoBot } from '../../src/demo/bot.js';
import type { DeadLetterQueue } from '../../src/dlq/dead-letters.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { bulkhead } from '../../src/policies/bulkhead.js';
import { pipeline } from '../../src/policies/pipeline.js';
import { rateLimit } from '../../src/policies/rate-limit.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { tradingGate } from '../../src/trading/gate.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import { drive, offlineBinance } from '../trading/support/offline-binance.js';

async function setup(intentPrefix?: string) {
  const { exchange, router, clock } = await offlineBinance();
  const journal = memoryJournal({ clock });
  const gate = tradingGate({ clock });
  const rex = resilientExchange(exchange, { clock, journal, admission: gate, random: seededRandom(3) });
  const bucket = tokenBucket({ capacity: 100, refillPerSecond: 0.001, clock });
  let charges = 0;
  const limiter: Limiter = {
    consume: (key, cost) => {
      charges++;
      return bucket.consume(key, cost);
    },
    acquire: (key, cost, options) => {
      charges++;
      return bucket.acquire(key, cost, options);
    },
  };
  const slots = bulkhead({ maxConcurrent: 1, maxQueue: 0 });
  let slotsTaken = 0;
  slots.on('rejected', () => undefined);
  const counted = { execute: <T>(fn: Parameters<typeof slots.execute<T>>[0]) => ((slotsTaken++, slots.execute(fn))) };
  const deadLetters = { add: async () => undefined } as unknown as DeadLetterQueue;
  const bot = new DemoBot({ exchange: rex, orderPolicy: pipeline(rateLimit(limiter, { key: 'orders' }), counted), deadLetters, clock, random: seededRandom(9), ...(intentPrefix ? { intentPrefix } : {}) });
  return { bot, gate, journal, router, clock, charges: () => charges, slotsTaken: () => slotsTaken };
}

describe('demo bot', () => {
  it('starts its intent ids with its prefix, so bots sharing one journal never collide', async () => {
    const [own, demo] = [await setup('bot-a'), await setup()];
    await drive(own.clock, own.bot.tick());
    await drive(demo.clock, demo.bot.tick());
    expect((await own.journal.listRecent(10)).map((i) => i.intentId)).toEqual([expect.stringMatching(/^bot-a-/)]);
    expect((await demo.journal.listRecent(10)).map((i) => i.intentId)).toEqual([expect.stringMatching(/^demo-/)]);
  });

  it('charges each order once against the order limit', async () => {
    const s = await setup();
    await drive(s.clock, s.bot.tick());
    expect(s.bot.stats.ordersPlaced).toBe(1);
    expect(s.charges()).toBe(1);
    expect(s.slotsTaken()).toBe(1);
    expect(s.journal.size()).toBe(1);
  });

  it('a halted gate refuses the order before any token, bulkhead slot or journal write is spent', async () => {
    const s = await setup();
    s.gate.kill('test');
    await drive(s.clock, s.bot.tick());
    expect(s.bot.stats).toMatchObject({ ordersPlaced: 0, refusedByGate: 1, ordersFailed: 0 });
    expect(s.charges()).toBe(0);
    expect(s.slotsTaken()).toBe(0);
    expect(s.journal.size()).toBe(0);
    expect(s.router.stats().byRoute['POST /api/v3/order']).toBeUndefined();
  });

  it('an exchange ban refuses the order before anything is spent', async () => {
    const s = await setup();
    await drive(s.clock, s.bot.tick());
    expect(s.charges()).toBe(1);
    // The next ticker read meets a 418: the ban starts, the bot trades on the last known price.
    s.router.setFaults({ failures: [{ method: 'GET', path: '/api/v3/ticker/24hr', status: 418, retryAfterSec: 120 }] });
    await drive(s.clock, s.bot.tick(), 0);
    expect(s.bot.stats).toMatchObject({ ordersPlaced: 1, refusedByBan: 1, refusedByGate: 0, ordersFailed: 0 });
    expect(s.charges()).toBe(1);
    expect(s.slotsTaken()).toBe(1);
    expect(s.journal.size()).toBe(1);
  });
});
