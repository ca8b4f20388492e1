/**
 * `writeMany` on PostgreSQL merges a group's writes into multi-row statements: it must come to
 * exactly what the same writes one at a time come to (values, refusals and their words), and keep
 * one intent's writes in order. And the journal over it, with groups committing side by side on
 * the pool, places every order once with every intent in its final state.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type PostgresStorage, postgresStorage } from '../../src/storage/postgres.js';
import { type NewOrderIntent, type OrderIntentWrite, type OrderIntentWriteOutcome, orderIntents } from '../../src/storage/repos/order-intents.js';
import { storageJournal } from '../../src/trading/orders/storage-journal.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger } from '../storage/helpers.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);

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

/** An outcome with its error reduced to class and message (what a caller can tell apart). */
const plain = (o: OrderIntentWriteOutcome): unknown => (o.ok ? o : { ok: false, error: `${(o.error as Error).constructor.name}: ${(o.error as Error).message}` });

describeWith(available, 'orderIntents.writeMany on PostgreSQL', () => {
  const schemas = [uniqueSchema('bw_many_a'), uniqueSchema('bw_many_b'), uniqueSchema('bw_many_j')];
  const handles: PostgresStorage[] = [];

  beforeAll(async () => {
    for (const schema of schemas) handles.push(await postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger() }));
  });
  afterAll(async () => {
    for (const db of handles) await db.close();
    for (const schema of schemas) await dropSchema(schema);
  });

  it('comes to what the same writes one at a time come to, refusals included, one intent in order', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const [merged, single] = [orderIntents(handles[0]!, { clock }), orderIntents(handles[1]!, { clock })];
    for (const repo of [merged, single]) await repo.put(intent(9, { state: 'FILLED' }));
    const writes: OrderIntentWrite[] = [
      { kind: 'putIfAbsent', intent: intent(1) },
      { kind: 'putIfAbsent', intent: intent(2) },
      { kind: 'putIfAbsent', intent: intent(9) }, // already stored: returned, not created
      { kind: 'putIfAbsent', intent: intent(3, { clientOrderId: 'c1' }) }, // client order id of another intent
      { kind: 'putIfAbsent', intent: intent(4, { amount: -1 }) }, // bad input
      { kind: 'updateState', intentId: 'i1', state: 'SENT', options: { from: ['PENDING'] } },
      { kind: 'updateState', intentId: 'i2', state: 'SENT' },
      { kind: 'updateState', intentId: 'i1', state: 'FILLED', options: { from: ['SENT'], exchangeOrderId: 'x1', error: null } },
      { kind: 'updateState', intentId: 'i2', state: 'REJECTED', options: { from: ['PENDING'], error: 'too late' } }, // i2 is SENT by now
      { kind: 'updateState', intentId: 'i9', state: 'OPEN', options: { from: [] } },
      { kind: 'updateState', intentId: 'nope', state: 'SENT' },
      { kind: 'updateState', intentId: 'i2', state: 'UNKNOWN', options: { error: 'timed out' } },
    ];
    const many = await merged.batch((tx) => tx.writeMany(writes));
    // One write per call: the single-row statements.
    const oneByOne: OrderIntentWriteOutcome[] = [];
    for (const w of writes) oneByOne.push(...(await single.batch((tx) => tx.writeMany([w]))));
    expect(many.map(plain)).toEqual(oneByOne.map(plain));
    expect(many.map((o) => o.ok)).toEqual([true, true, true, false, false, true, true, true, false, false, false, true]);
    expect(await merged.get('i1')).toMatchObject({ state: 'FILLED', exchangeOrderId: 'x1', error: null });
    expect(await merged.get('i2')).toMatchObject({ state: 'UNKNOWN', error: 'timed out' });
    expect(await merged.listRecent(10)).toEqual(await single.listRecent(10));
  });

  it('the journal over it: 200 intents through PENDING, SENT and FILLED, groups side by side, every one ends FILLED', async () => {
    const journal = storageJournal(orderIntents(handles[2]!), { maxConcurrent: 4 });
    await Promise.all(
      Array.from({ length: 200 }, async (_, n) => {
        const { created } = await journal.putIfAbsent(intent(n));
        expect(created).toBe(true);
        void journal.updateState(`i${n}`, 'SENT', { defer: true });
        await journal.updateState(`i${n}`, 'FILLED', { exchangeOrderId: `x${n}`, defer: n % 2 === 0 });
      }),
    );
    await journal.flush?.();
    expect(await journal.countByState()).toEqual({ FILLED: 200 });
    await expect(journal.updateState('i1', 'OPEN')).rejects.toThrow(/cannot move from FILLED to OPEN/);
  });
});
