import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { memoryJournal } from '../../../src/trading/orders/memory-journal.js';

const intent = (intentId: string, clientOrderId = `c-${intentId}`) => ({ intentId, clientOrderId, exchange: 'binance', symbol: 'BTC/USDT', side: 'buy' as const, type: 'limit', amount: 1, price: 10 });

describe('memoryJournal', () => {
  it('countByState with intentPrefix counts only the intents whose id starts with it', async () => {
    const journal = memoryJournal();
    for (const id of ['bot-a-1', 'bot-a-2', 'bot-b-1']) await journal.putIfAbsent(intent(id));
    await journal.updateState('bot-a-2', 'SENT');
    expect(await journal.countByState({ intentPrefix: 'bot-a-' })).toEqual({ PENDING: 1, SENT: 1 });
    expect(await journal.countByState({ intentPrefix: 'bot-b-' })).toEqual({ PENDING: 1 });
    expect(await journal.countByState()).toEqual({ PENDING: 2, SENT: 1 });
  });

  it('putIfAbsent writes once and returns the stored intent after', async () => {
    const clock = new ManualClock(5);
    const journal = memoryJournal({ clock });
    const first = await journal.putIfAbsent(intent('a'));
    expect(first.created).toBe(true);
    expect(first.intent).toMatchObject({ state: 'PENDING', createdAt: 5, exchangeOrderId: null });
    const second = await journal.putIfAbsent({ ...intent('a'), amount: 99 });
    expect(second.created).toBe(false);
    expect(second.intent.amount).toBe(1);
    await expect(journal.putIfAbsent(intent('b', 'c-a'))).rejects.toThrow(/belongs to intent "a"/);
  });

  it('updateState follows the state machine and honours compare-and-set', async () => {
    const journal = memoryJournal();
    await journal.putIfAbsent(intent('a'));
    await journal.updateState('a', 'SENT');
    await expect(journal.updateState('a', 'PENDING')).rejects.toThrow(/cannot move from SENT to PENDING/);
    await expect(journal.updateState('a', 'UNKNOWN', { from: 'PENDING' })).rejects.toThrow(/is SENT, not PENDING/);
    const stored = await journal.updateState('a', 'OPEN', { exchangeOrderId: '42' });
    expect(stored).toMatchObject({ state: 'OPEN', exchangeOrderId: '42' });
    expect((await journal.getByClientOrderId('c-a'))?.intentId).toBe('a');
    await expect(journal.updateState('nope', 'SENT')).rejects.toThrow(/not found/);
  });

  it('lists by state, oldest first, and hands out copies', async () => {
    const clock = new ManualClock();
    const journal = memoryJournal({ clock });
    await journal.putIfAbsent(intent('a'));
    await clock.advance(1);
    await journal.putIfAbsent(intent('b'));
    await journal.updateState('b', 'SENT');
    expect((await journal.listByState(['PENDING', 'SENT'])).map((i) => i.intentId)).toEqual(['a', 'b']);
    expect((await journal.listByState('SENT')).map((i) => i.intentId)).toEqual(['b']);
    const copy = await journal.get('a');
    if (copy) copy.state = 'FILLED';
    expect((await journal.get('a'))?.state).toBe('PENDING');
    await expect(journal.listByState('BOGUS' as 'SENT')).rejects.toThrow(/state must be one of/);
  });
});
