/**
 * Order placement edges: what the journal and the intent events say at each step, a rejected
 * intent id is closed for good, an intent found SENT after a crash, a journal that fails for
 * another reason than a race, lookups that meet a 5xx, and the `unresolved` event.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/random.js';
import { IntentClosedError, OrderStatusUnknownError } from '../../../src/trading/errors.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import type { IntentEvent } from '../../../src/trading/orders/placement.js';
import { clientOrderIdFor } from '../../../src/trading/orders/intent-id.js';
import type { IntentJournal } from '../../../src/trading/orders/journal.js';
import { memoryJournal } from '../../../src/trading/orders/memory-journal.js';
import { drive, offlineBinance } from '../support/offline-binance.js';

const SYMBOL = 'BTC/USDT';

async function setup(faults: Parameters<typeof offlineBinance>[0] = {}, wrap: (j: IntentJournal) => IntentJournal = (j) => j) {
  const env = await offlineBinance(faults);
  const journal = memoryJournal({ clock: env.clock });
  const rex = resilientExchange(env.exchange, { clock: env.clock, random: seededRandom(5), journal: wrap(journal) });
  const events: IntentEvent[] = [];
  rex.on('intent', (e) => events.push(e));
  return { ...env, journal, rex, events };
}

describe('placement: journal and intent events', () => {
  it('a new order: PENDING, SENT, OPEN, each announced once with the client order id and the time; params are journalled', async () => {
    const { clock, rex, journal, events } = await setup();
    const at = clock.now();
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'fresh', timeInForce: 'GTC' }));
    const clientOrderId = clientOrderIdFor('fresh');
    expect(events).toEqual([
      { intentId: 'fresh', clientOrderId, from: undefined, to: 'PENDING', at },
      { intentId: 'fresh', clientOrderId, from: 'PENDING', to: 'SENT', at, error: undefined },
      { intentId: 'fresh', clientOrderId, from: 'SENT', to: 'OPEN', at, error: undefined },
    ]);
    expect(await journal.get('fresh')).toMatchObject({ state: 'OPEN', exchangeOrderId: order.id, params: { timeInForce: 'GTC' }, error: null });
  });

  it('a rejection journals REJECTED with the exchange message, and the intent id is closed for good', async () => {
    const { router, rex, journal } = await setup();
    await expect(rex.createOrder(SYMBOL, 'limit', 'buy', 100, 49_000, { intentId: 'too-big' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect((await journal.get('too-big'))?.error).toMatch(/insufficient balance/);
    const again = await rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'too-big' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(IntentClosedError);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1 });
  });

  it('persistent 429s journal FAILED with the exchange message', async () => {
    const { clock, rex, journal } = await setup({ faults: { failures: [{ path: '/api/v3/order', status: 429, retryAfterSec: 1, times: 100 }] } });
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'throttled' })).catch(() => undefined);
    expect(await journal.get('throttled')).toMatchObject({ state: 'FAILED', error: expect.stringMatching(/429|Too many requests|request weight/i) });
  });

  it('an ambiguous failure journals UNKNOWN with its message before the lookup', async () => {
    const { clock, rex, events } = await setup({ faults: { failures: [{ path: '/api/v3/order', method: 'POST', status: 503, afterAccept: true }] } });
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'sell', 0.01, 60_000, { intentId: 'five-hundred' }));
    const unknown = events.find((e) => e.to === 'UNKNOWN');
    expect(unknown).toMatchObject({ from: 'SENT', error: expect.stringMatching(/-1001.*Internal error/) });
  });
});

describe('placement: an intent found SENT in the journal (a crash while the request was out)', () => {
  it('is marked UNKNOWN with the reason, looked up, and left UNKNOWN when the exchange never shows it', async () => {
    const { clock, router, rex, journal, events } = await setup();
    const unresolved: unknown[] = [];
    rex.on('unresolved', (e) => unresolved.push(e));
    const clientOrderId = clientOrderIdFor('crashed-sent');
    await journal.putIfAbsent({ intentId: 'crashed-sent', clientOrderId, exchange: 'binance', symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000, state: 'PENDING' });
    await journal.updateState('crashed-sent', 'SENT');

    const error = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'crashed-sent' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OrderStatusUnknownError);
    expect(await journal.get('crashed-sent')).toMatchObject({ state: 'UNKNOWN', error: 'found unresolved in the journal' });
    expect(events.map((e) => [e.from, e.to])).toEqual([['SENT', 'UNKNOWN']]);
    expect(unresolved).toEqual([{ intentId: 'crashed-sent', clientOrderId, error }]);
    expect(router.stats().byRoute['POST /api/v3/order']).toBeUndefined();
  });

  it('a journal that fails to mark it (not a race: nothing moved) fails the call with that error', async () => {
    const failing = (j: IntentJournal): IntentJournal => ({
      ...j,
      async updateState(intentId, state, update) {
        if (state === 'UNKNOWN') throw new Error('disk I/O error');
        return j.updateState(intentId, state, update);
      },
    });
    const { clock, rex, journal } = await setup({}, failing);
    await journal.putIfAbsent({ intentId: 'stuck', clientOrderId: clientOrderIdFor('stuck'), exchange: 'binance', symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000, state: 'PENDING' });
    await expect(drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'stuck' }))).rejects.toThrow('disk I/O error');
    expect((await journal.get('stuck'))?.state).toBe('PENDING');
  });
});

describe('placement: lookups', () => {
  it('a lookup by client order id that meets a 5xx waits for the next round instead of scanning open orders', async () => {
    const { clock, router, rex } = await setup({
      faults: { dropReplyAfterAccept: 1, failures: [{ path: '/api/v3/order', method: 'GET', status: 503 }] },
    });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'lookup-503' }));
    expect(order.status).toBe('open');
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 2 });
  });

  it('the first lookup round starts at once: a lost reply whose order is visible resolves without the clock moving', async () => {
    const { clock, rex } = await setup({ faults: { dropReplyAfterAccept: 1 } });
    const start = clock.now();
    let settled = false;
    const placing = rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'no-wait' }).finally(() => (settled = true));
    for (let turn = 0; turn < 50 && !settled; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(true);
    expect((await placing).status).toBe('open');
    expect(clock.now()).toBe(start);
  });
});
