/**
 * What the service can rebuild when the journal loses commits it had acknowledged: SQLite with
 * `synchronous = NORMAL` keeps every commit across a crash of the process, but a power cut can take
 * the last ones, an order's PENDING intent among them. The order was sent, so the exchange holds it
 * and the journal does not. These tests pin what the order follower recovers of such an order, and
 * what it does not (the reason `FULL` stays the default: docs/trading.md, "SQLite durability").
 *
 * The loss is played as it would look after the restart: the same exchange, a journal without the
 * intent (a fresh one), and the follower's pass that every start runs.
 */
import { describe, expect, it } from 'vitest';
import { resilientExchange } from '../../src/trading/exchange.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import { reconcile } from '../../src/trading/reconcile.js';
import { drive, offlineBinance } from './support/offline-binance.js';

const SYMBOL = 'BTC/USDT';

async function placedThenLost(type: 'limit' | 'market') {
  const sim = await offlineBinance();
  const { exchange, clock } = sim;
  const before = resilientExchange(exchange, { clock, journal: memoryJournal({ clock }) });
  const order = await drive(clock, before.createOrder(SYMBOL, type, 'buy', 0.01, type === 'limit' ? 49_000 : undefined, { intentId: 'bot-1' }));
  // The restart: the intent's commits are gone.
  const journal = memoryJournal({ clock });
  const after = resilientExchange(exchange, { clock, journal });
  return { ...sim, order, journal, after };
}

describe('an order whose PENDING intent the journal lost', () => {
  it('is adopted by the follower while it is still open', async () => {
    const { order, journal, after, clock } = await placedThenLost('limit');
    const report = await drive(clock, reconcile(after, { symbols: [SYMBOL] }));
    expect(report.adopted).toEqual([{ intentId: `adopted:${order.id}`, orderId: order.id, symbol: SYMBOL }]);
    const adopted = await journal.get(`adopted:${order.id}`);
    expect(adopted?.state).toBe('OPEN');
    expect(adopted?.clientOrderId).toBe(order.clientOrderId);
  });

  it('a retry of the same intent id then finds the open order instead of placing a second one', async () => {
    const { order, after, router, clock } = await placedThenLost('limit');
    const again = await drive(clock, after.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'bot-1' }));
    expect(again.id).toBe(order.id);
    expect(router.stats().ordersHeld).toBe(1);
  });

  it('is not recovered once it has filled: the follower adopts only open orders', async () => {
    const { order, journal, after, clock } = await placedThenLost('market');
    expect(order.status).toBe('closed');
    const report = await drive(clock, reconcile(after, { symbols: [SYMBOL] }));
    expect(report.adopted).toEqual([]);
    expect(report.clean).toBe(true);
    expect(await journal.getByClientOrderId(order.clientOrderId as string)).toBeUndefined();
  });

  it('a retry of the same intent id after it filled places a second order (client order ids are unique among open orders only)', async () => {
    const { order, after, router, clock } = await placedThenLost('market');
    const again = await drive(clock, after.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { intentId: 'bot-1' }));
    expect(again.clientOrderId).toBe(order.clientOrderId);
    expect(again.id).not.toBe(order.id);
    expect(router.stats().ordersHeld).toBe(2);
  });
});
