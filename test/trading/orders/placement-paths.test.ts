/**
 * Order placement paths: admissions (reduce-only on derivatives, `placed` once), an UNKNOWN
 * intent keeps its recorded reason, lookups that meet "not found" or a permanent error, a
 * repeated call that changes nothing announces nothing, and a journal write that fails for
 * good while recording an answer (after the caller has it).
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/core/random.js';
import { IsolatedCircuitError } from '../../../src/core/errors.js';
import { OrderStatusUnknownError } from '../../../src/trading/errors.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import type { IntentEvent } from '../../../src/trading/orders/placement.js';
import type { OrderAdmission, OrderRequest } from '../../../src/trading/orders/admission.js';
import { clientOrderIdFor } from '../../../src/trading/orders/intent-id.js';
import type { IntentJournal } from '../../../src/trading/orders/journal.js';
import { memoryJournal } from '../../../src/trading/orders/memory-journal.js';
import { drive, offlineBinance } from '../support/offline-binance.js';

const SYMBOL = 'BTC/USDT';

async function setup(options: { faults?: NonNullable<Parameters<typeof offlineBinance>[0]>['faults']; admission?: OrderAdmission[]; wrap?: (j: IntentJournal) => IntentJournal } = {}) {
  const env = await offlineBinance({ faults: options.faults });
  const journal = memoryJournal({ clock: env.clock });
  const rex = resilientExchange(env.exchange, { clock: env.clock, random: seededRandom(9), journal: options.wrap?.(journal) ?? journal, admission: options.admission ?? [] });
  const events: IntentEvent[] = [];
  rex.on('intent', (e) => events.push(e));
  return { ...env, journal, rex, events };
}

/** An admission that asks for reduce-only and counts the orders it is told were placed. */
function reduceOnlyAdmission(): OrderAdmission & { placedOrders: OrderRequest[] } {
  const a = {
    placedOrders: [] as OrderRequest[],
    admit: () => ({ reduceOnly: true }),
    placed: (order: OrderRequest) => void a.placedOrders.push(order),
  };
  return a;
}

describe('placement admissions', () => {
  it('on a spot market a reduce-only request adds no reduceOnly param; placed() is told once', async () => {
    const admission = reduceOnlyAdmission();
    const { clock, rex, journal } = await setup({ admission: [{ admit: () => undefined }, admission] });
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'spot' }));
    // Only the explicit recvWindow every Binance order carries (the never-placed rule).
    expect((await journal.get('spot'))?.params).toEqual({ recvWindow: 5_000 });
    expect(admission.placedOrders).toEqual([expect.objectContaining({ symbol: SYMBOL, side: 'buy', amount: 0.01 })]);
  });

  it('on a derivatives market (contract) any admission asking reduce-only makes the order reduceOnly', async () => {
    const { clock, exchange, rex, journal } = await setup({ admission: [reduceOnlyAdmission(), { admit: () => undefined }] });
    (exchange.markets![SYMBOL] as { contract?: boolean }).contract = true;
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'contract' })).catch(() => undefined);
    expect((await journal.get('contract'))?.params).toEqual({ reduceOnly: true, recvWindow: 5_000 });
  });

  it('no admission asks reduce-only: no reduceOnly param, even on a derivatives market', async () => {
    const { clock, exchange, rex, journal } = await setup({ admission: [{ admit: () => undefined }, { admit: () => ({ reduceOnly: false }) }] });
    (exchange.markets![SYMBOL] as { contract?: boolean }).contract = true;
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'plain' })).catch(() => undefined);
    expect((await journal.get('plain'))?.params).toEqual({ recvWindow: 5_000 });
  });
});

describe('placement: an UNKNOWN intent in the journal', () => {
  it('keeps its recorded reason while lookups find nothing; the error says it was UNKNOWN with no answer', async () => {
    const { clock, rex, journal, events } = await setup();
    await journal.putIfAbsent({ intentId: 'lost', clientOrderId: clientOrderIdFor('lost'), exchange: 'binance', symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000, state: 'PENDING' });
    await journal.updateState('lost', 'SENT');
    await journal.updateState('lost', 'UNKNOWN', { error: 'process died' });
    const error = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'lost' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderStatusUnknownError);
    expect(((error as Error).cause as Error).message).toBe('intent lost was UNKNOWN with no answer recorded');
    expect(await journal.get('lost')).toMatchObject({ state: 'UNKNOWN', error: 'process died' });
    expect(events).toEqual([]);
  });
});

describe('placement lookups', () => {
  it('"order does not exist" by client order id: the open orders are searched in the same round', async () => {
    const { clock, router, rex } = await setup({
      faults: { dropReplyAfterAccept: 1, failures: [{ path: '/api/v3/order', method: 'GET', status: 400, code: -2013, msg: 'Order does not exist.' }] },
    });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'in-open' }));
    expect(order.status).toBe('open');
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1, 'GET /api/v3/openOrders': 1 });
  });

  it('a filled order not found by id is found among the closed orders in the same round', async () => {
    const { clock, router, rex } = await setup({
      faults: { dropReplyAfterAccept: 1, failures: [{ path: '/api/v3/order', method: 'GET', status: 400, code: -2013, msg: 'Order does not exist.' }] },
    });
    const order = await drive(clock, rex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { intentId: 'in-closed' }));
    expect(order.status).toBe('closed');
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1, 'GET /api/v3/openOrders': 1, 'GET /api/v3/allOrders': 1 });
  });

  it('a permanent error during a lookup ends it at once (no further rounds), with that error', async () => {
    const { clock, router, rex, journal } = await setup({
      faults: { dropReplyAfterAccept: 1, failures: [{ path: '/api/v3/order', method: 'GET', status: 400, code: -1102, msg: 'Mandatory parameter was not sent.', times: 10 }] },
    });
    const error = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'bad-lookup' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.BadRequest);
    expect(router.stats().byRoute).toEqual({ 'POST /api/v3/order': 1, 'GET /api/v3/order': 1 });
    expect((await journal.get('bad-lookup'))?.state).toBe('UNKNOWN');
  });
});

describe('placement: nothing changes, nothing is announced', () => {
  it('the same intent id again returns the order and emits no intent event', async () => {
    const { clock, rex, events } = await setup();
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'twice' }));
    const before = events.length;
    await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'twice' }));
    expect(events).toHaveLength(before);
  });
});

describe('placement: recording the answer fails for good', () => {
  it('the caller has the order; the failed write is reported as journalWriteFailed and the journal still shows SENT for the follower to settle', async () => {
    let writes = 0;
    const wrap = (j: IntentJournal): IntentJournal => ({
      ...j,
      async updateState(intentId, state, update) {
        if (state === 'OPEN') {
          writes++;
          throw new Error('disk full');
        }
        return j.updateState(intentId, state, update);
      },
    });
    const { clock, router, rex, journal } = await setup({ wrap });
    const failures: Array<{ intentId: string; to: string; error: unknown }> = [];
    rex.on('journalWriteFailed', (e) => failures.push(e));
    const order = await drive(clock, rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'disk-full' }));
    await rex.flushJournal();
    expect(order.status).toBe('open');
    expect(writes).toBe(1);
    expect(failures).toEqual([{ intentId: 'disk-full', to: 'OPEN', error: new Error('disk full') }]);
    expect(router.stats().ordersHeld).toBe(1);
    expect((await journal.get('disk-full'))?.state).toBe('SENT');
    expect(rex.isPlacing('disk-full')).toBe(false);
  });
});

describe('placement: our own refusal at the moment of sending', () => {
  it('an isolated breaker refuses the send: the intent ends FAILED with the reason, nothing reaches the exchange', async () => {
    const { router, rex, journal, events } = await setup();
    rex.breakers!.exchange.isolate();
    const error = await rex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 49_000, { intentId: 'isolated' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsolatedCircuitError);
    expect(await journal.get('isolated')).toMatchObject({ state: 'FAILED', error: (error as Error).message });
    expect(events.map((e) => e.to)).toEqual(['PENDING', 'SENT', 'FAILED']);
    expect(router.stats().byRoute['POST /api/v3/order']).toBeUndefined();
  });
});
