/**
 * Property: whatever the exchange does to an order request (drop the reply, hold it past the
 * timeout, fail with a 5xx or -1007 after booking, throttle it, hide the order for a while, lose
 * the request on the way, match it slowly), and however often the caller retries the same intent,
 * the exchange never holds two orders for one intent; and the order follower never calls an order
 * "never placed" that the exchange holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resilientExchange } from '../../src/trading/exchange.js';
import { OrderFollower } from '../../src/trading/order-follower.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import type { SimFaultsInput } from '../../src/trading/sim/faults.js';
import { seededRandom } from '../../src/core/random.js';
import { drive, offlineBinance } from './support/offline-binance.js';

const fault: fc.Arbitrary<SimFaultsInput> = fc.oneof(
  fc.constant<SimFaultsInput>({}),
  fc.constant<SimFaultsInput>({ dropReplyAfterAccept: 1 }),
  fc.constant<SimFaultsInput>({ holdReplyAfterAccept: 1, holdReplyMs: 60_000 }),
  fc.constant<SimFaultsInput>({ failures: [{ method: 'POST', path: '/api/v3/order', status: 503, afterAccept: true }] }),
  fc.constant<SimFaultsInput>({ failures: [{ method: 'POST', path: '/api/v3/order', status: 400, code: -1007, msg: 'execution status unknown', afterAccept: true }] }),
  fc.constant<SimFaultsInput>({ failures: [{ method: 'POST', path: '/api/v3/order', status: 429, retryAfterSec: 1 }] }),
  fc.constant<SimFaultsInput>({ failures: [{ method: 'GET', path: '/api/v3/order', status: 502, times: 2 }] }),
  fc.constant<SimFaultsInput>({ loseRequests: 1 }),
  fc.constant<SimFaultsInput>({ matchingDelayMs: 4_000 }),
  fc.constant<SimFaultsInput>({ matchingDelayMs: 12_000 }),
);

describe('one intent, at most one order', () => {
  it('holds under any sequence of faults and caller retries (property)', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const journal = memoryJournal({ clock });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fault, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 9_000 }),
        fc.boolean(),
        fc.constantFrom<'market' | 'limit'>('market', 'limit'),
        fc.constantFrom<number | undefined>(undefined, 15_000),
        fc.constantFrom(1, 5),
        async (faults, visibilityDelayMs, fillWhenUnknown, type, recvWindow, lookupAttempts) => {
          const intentId = `prop-${run++}`;
          const rex = resilientExchange(exchange, { clock, journal, random: seededRandom(run), lookupAttempts });
          if (fillWhenUnknown) {
            rex.on('intent', (e) => {
              if (e.to === 'UNKNOWN') router.engine.fillOrder('BTCUSDT', { clientOrderId: e.clientOrderId });
            });
          }
          // The caller tries the same intent once per fault set (as a bot would after an error).
          const params = recvWindow === undefined ? { intentId } : { intentId, recvWindow };
          for (const f of faults) {
            router.setFaults({ dropReplyAfterAccept: 0, holdReplyAfterAccept: 0, loseRequests: 0, matchingDelayMs: 0, failures: [], ...f, visibilityDelayMs });
            await drive(clock, rex.createOrder('BTC/USDT', type, 'buy', 0.01, type === 'limit' ? 49_000 : undefined, params), 250).catch(() => undefined);
          }
          // The follower passes every second while late orders reach the engine and hidden ones become visible.
          router.setFaults({ loseRequests: 0, failures: [] });
          const follower = new OrderFollower(rex);
          for (let second = 0; second < 40; second++) {
            await clock.advance(1_000);
            await drive(clock, follower.pass(), 250).catch(() => undefined);
          }
          const held = router.engine.allOrdersHeld().filter((o) => o.clientOrderId === clientOrderIdFor(intentId));
          expect(held.length).toBeLessThanOrEqual(1);
          const intent = await journal.get(intentId);
          if (intent?.state === 'FAILED' && intent.error?.startsWith('never placed')) expect(held).toEqual([]);
          router.engine.revealOrders();
        },
      ),
      { numRuns: 40, seed: 20_261_125 },
    );
  });
});
