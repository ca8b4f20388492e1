import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../src/storage/errors.js';
import { orderIntents, type NewOrderIntent, type OrderIntentRepo } from '../../../src/storage/repos/order-intents.js';
import { sqliteStorage, type SqliteStorage } from '../../../src/storage/sqlite.js';

const intent = (n: number, extra: Partial<NewOrderIntent> = {}): NewOrderIntent => ({
  intentId: `i${n}`,
  clientOrderId: `c${n}`,
  exchange: 'binance',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  amount: 0.5,
  price: 60_000,
  params: { timeInForce: 'GTC' },
  ...extra,
});

describe('orderIntents (SQLite)', () => {
  let db: SqliteStorage;
  let clock: ManualClock;
  let repo: OrderIntentRepo;

  beforeEach(async () => {
    db = await sqliteStorage({ path: ':memory:' });
    clock = new ManualClock(1_000);
    repo = orderIntents(db, { clock });
  });
  afterEach(() => db.close());

  it('put stores an intent as PENDING with timestamps and params, get reads it back', async () => {
    const stored = await repo.put(intent(1));
    expect(stored).toEqual({
      intentId: 'i1',
      clientOrderId: 'c1',
      exchange: 'binance',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      amount: 0.5,
      price: 60_000,
      params: { timeInForce: 'GTC' },
      state: 'PENDING',
      exchangeOrderId: null,
      error: null,
      createdAt: 1_000,
      updatedAt: 1_000,
    });
    expect(await repo.get('i1')).toEqual(stored);
    expect(await repo.getByClientOrderId('c1')).toEqual(stored);
    expect(await repo.get('nope')).toBeUndefined();
  });

  it('put refuses a second intent with the same intent id or client order id', async () => {
    await repo.put(intent(1));
    await expect(repo.put(intent(1))).rejects.toBeInstanceOf(ConflictError);
    await expect(repo.put(intent(2, { clientOrderId: 'c1' }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('putIfAbsent returns the stored intent instead of writing a second one', async () => {
    const first = await repo.putIfAbsent(intent(1));
    const second = await repo.putIfAbsent(intent(1, { amount: 9 }));
    expect(first.created).toBe(true);
    expect(second).toEqual({ intent: first.intent, created: false });
  });

  it.each([
    [{ amount: -1 }, 'amount'],
    [{ side: 'long' as 'buy' }, 'side'],
    [{ symbol: '' }, 'symbol'],
    [{ price: Number.NaN }, 'price'],
    [{ state: 'DONE' as 'FILLED' }, 'state'],
  ])('a validation failure names the field (%o) and writes nothing', async (bad, field) => {
    const error = await repo.put(intent(1, bad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect((error as ValidationError).message).toContain(`field "${field}"`);
    expect(await repo.get('i1')).toBeUndefined();
  });

  it('updateState moves the intent, sets exchange order id and error, and stamps updatedAt', async () => {
    await repo.put(intent(1));
    await clock.advance(250);
    const sent = await repo.updateState('i1', 'SENT');
    expect(sent.state).toBe('SENT');
    expect(sent.updatedAt).toBe(1_250);
    const open = await repo.updateState('i1', 'OPEN', { exchangeOrderId: 'X-1' });
    expect(open.exchangeOrderId).toBe('X-1');
    const rejected = await repo.updateState('i1', 'REJECTED', { error: 'InsufficientFunds' });
    expect(rejected).toMatchObject({ state: 'REJECTED', exchangeOrderId: 'X-1', error: 'InsufficientFunds' });
  });

  it('updateState with `from` is a compare-and-set: a wrong current state is a ConflictError and changes nothing', async () => {
    await repo.put(intent(1));
    await repo.updateState('i1', 'SENT', { from: 'PENDING' });
    await expect(repo.updateState('i1', 'OPEN', { from: ['PENDING'] })).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.get('i1'))?.state).toBe('SENT');
  });

  it('updateState of an unknown intent is a NotFoundError; an unknown state is a RangeError', async () => {
    await expect(repo.updateState('missing', 'SENT')).rejects.toBeInstanceOf(NotFoundError);
    await repo.put(intent(1));
    await expect(repo.updateState('i1', 'DONE' as 'FILLED')).rejects.toThrow(/state must be one of/);
  });

  it('listByState returns intents in any of the states, oldest first, with limit and exchange filter', async () => {
    await repo.put(intent(1));
    await clock.advance(1);
    await repo.put(intent(2, { exchange: 'kraken' }));
    await clock.advance(1);
    await repo.put(intent(3));
    await repo.updateState('i2', 'UNKNOWN');
    await repo.updateState('i3', 'SENT');
    expect((await repo.listByState(['SENT', 'UNKNOWN'])).map((i) => i.intentId)).toEqual(['i2', 'i3']);
    expect((await repo.listByState('PENDING')).map((i) => i.intentId)).toEqual(['i1']);
    expect((await repo.listByState(['SENT', 'UNKNOWN'], { limit: 1 })).map((i) => i.intentId)).toEqual(['i2']);
    expect((await repo.listByState(['SENT', 'UNKNOWN'], { exchange: 'binance' })).map((i) => i.intentId)).toEqual(['i3']);
    await expect(repo.listByState('SENT', { limit: 0 })).rejects.toThrow(/limit must be an integer >= 1, got 0/);
  });

  it('countByState with intentPrefix counts one bot\'s intents; _ and % in the prefix mean themselves', async () => {
    for (const id of ['bot_a-1', 'bot_a-2', 'botxa-1', 'bot%-1', 'other-1']) await repo.put(intent(1, { intentId: id, clientOrderId: `c-${id}` }));
    await repo.updateState('bot_a-2', 'SENT');
    expect(await repo.countByState({ intentPrefix: 'bot_a-' })).toEqual({ PENDING: 1, SENT: 1 });
    expect(await repo.countByState({ intentPrefix: 'bot%-' })).toEqual({ PENDING: 1 });
    expect(await repo.countByState({ intentPrefix: 'bot_a-', exchange: 'kraken' })).toEqual({});
  });

  it('listRecent returns the newest intents first; countByState counts every intent by state', async () => {
    await repo.put(intent(1));
    await clock.advance(1);
    await repo.put(intent(2, { exchange: 'kraken' }));
    await clock.advance(1);
    await repo.put(intent(3));
    await repo.updateState('i1', 'SENT');
    expect((await repo.listRecent(2)).map((i) => i.intentId)).toEqual(['i3', 'i2']);
    expect((await repo.listRecent(5, { exchange: 'binance' })).map((i) => i.intentId)).toEqual(['i3', 'i1']);
    expect(await repo.countByState()).toEqual({ PENDING: 2, SENT: 1 });
    expect(await repo.countByState({ exchange: 'kraken' })).toEqual({ PENDING: 1 });
    await expect(repo.listRecent(0)).rejects.toThrow(/limit must be an integer >= 1, got 0/);
  });

  it('regression: the newest intents are read through the created_at index, not by sorting the whole journal', async () => {
    const plan = await db.all<{ detail: string }>(
      'EXPLAIN QUERY PLAN SELECT intent_id FROM order_intents ORDER BY created_at DESC, intent_id DESC LIMIT 20',
    );
    const details = plan.map((p) => p.detail).join('; ');
    expect(details).toContain('order_intents_created');
    expect(details).not.toContain('TEMP B-TREE');
  });

  it('putMany writes a batch, and inside a transaction it rolls back with the rest of the unit of work', async () => {
    await repo.putMany([intent(1), intent(2)]);
    expect((await repo.listByState('PENDING')).length).toBe(2);
    await expect(
      db.transaction(async (tx) => {
        await orderIntents(tx, { clock }).putMany([intent(3), intent(4)]);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await repo.listByState('PENDING')).map((i) => i.intentId)).toEqual(['i1', 'i2']);
  });

  it('putMany validates every intent before writing any', async () => {
    await expect(repo.putMany([intent(1), intent(2, { amount: 0 })])).rejects.toBeInstanceOf(ValidationError);
    expect(await repo.get('i1')).toBeUndefined();
  });
});
