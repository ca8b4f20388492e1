/**
 * What a follower follows: with `intentPrefix` only the intents of that prefix (one bot's own) and
 * none of another's, and no orphans read or adopted when `adoptOrphans` is off; `scope()` widens it
 * to every intent (as the account's leader) and narrows it back.
 */
import { describe, expect, it } from 'vitest';
import { OrderFollower } from '../../src/trading/order-follower.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import { drive } from './support/offline-binance.js';
import { type FollowerSetup, followerSetup, stateOf } from './support/follower-setup.js';

const SYMBOL = 'BTC/USDT';

/** Journals an intent UNKNOWN and books its order on the simulated exchange (found by the next pass that looks). */
async function unknownButBooked(s: FollowerSetup, intentId: string): Promise<void> {
  await s.journal.putIfAbsent({ intentId, clientOrderId: clientOrderIdFor(intentId), exchange: 'binance', symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000 });
  await s.journal.updateState(intentId, 'SENT');
  await s.journal.updateState(intentId, 'UNKNOWN');
  const placed = s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId: clientOrderIdFor(intentId) });
  if (!placed.ok) throw new Error('setup: order refused');
}

describe('order follower: scope', () => {
  it('with intentPrefix it resolves its own intents and leaves another\'s UNKNOWN', async () => {
    const s = await followerSetup();
    await unknownButBooked(s, 'bot-1-a');
    await unknownButBooked(s, 'bot-2-a');
    const follower = new OrderFollower(s.rex, { intentPrefix: 'bot-1-', adoptOrphans: false });
    const report = await drive(s.clock, follower.pass());
    expect(report.resolved.map((r) => r.intentId)).toEqual(['bot-1-a']);
    expect(await stateOf(s.journal, 'bot-1-a')).toBe('OPEN');
    expect(await stateOf(s.journal, 'bot-2-a')).toBe('UNKNOWN');
  });

  it('adopts no orphan and reads no open orders of `symbols` when adoptOrphans is off and it has nothing of its own', async () => {
    const s = await followerSetup();
    const placed = s.router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 48_000, clientOrderId: 'someone-elses' });
    expect(placed.ok).toBe(true);
    s.router.resetStats();
    const follower = new OrderFollower(s.rex, { symbols: [SYMBOL], intentPrefix: 'bot-1-', adoptOrphans: false });
    const report = await drive(s.clock, follower.pass());
    expect(report.adopted).toEqual([]);
    expect(s.router.stats().byRoute['GET /api/v3/openOrders'] ?? 0).toBe(0);
  });

  it('scope() widens it to every intent with orphans adopted, and narrows it back', async () => {
    const s = await followerSetup();
    const follower = new OrderFollower(s.rex, { symbols: [SYMBOL], intentPrefix: 'bot-1-', adoptOrphans: false });
    await unknownButBooked(s, 'bot-2-a');
    follower.scope({ intentPrefix: undefined, adoptOrphans: true });
    expect(follower.currentScope).toEqual({ intentPrefix: undefined, adoptOrphans: true });
    const wide = await drive(s.clock, follower.pass());
    expect(wide.resolved.map((r) => r.intentId)).toEqual(['bot-2-a']);

    follower.scope({ intentPrefix: 'bot-1-', adoptOrphans: false });
    await unknownButBooked(s, 'bot-2-b');
    const narrow = await drive(s.clock, follower.pass());
    expect(narrow.resolved).toEqual([]);
    expect(await stateOf(s.journal, 'bot-2-b')).toBe('UNKNOWN');
  });

  it('refuses an empty prefix, naming the option', async () => {
    const s = await followerSetup();
    expect(() => new OrderFollower(s.rex, { intentPrefix: '' })).toThrow('orderFollower: intentPrefix must be a non-empty string, got ""');
    expect(() => new OrderFollower(s.rex).scope({ intentPrefix: '' })).toThrow(/intentPrefix/);
  });
});
