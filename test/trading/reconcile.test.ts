import { describe, expect, it } from 'vitest';
import { resilientExchange } from '../../src/trading/exchange.js';
import { tradingGate } from '../../src/trading/gate.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import type { IntentJournal } from '../../src/trading/orders/journal.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import type { IntentState } from '../../src/trading/orders/state.js';
import { reconcile } from '../../src/trading/reconcile.js';
import { drive, offlineBinance } from './support/offline-binance.js';

const SYMBOL = 'BTC/USDT';

async function journalIntent(journal: IntentJournal, intentId: string, path: IntentState[]): Promise<void> {
  await journal.putIfAbsent({ intentId, clientOrderId: clientOrderIdFor(intentId), exchange: 'binance', symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 49_000 });
  for (const state of path) await journal.updateState(intentId, state);
}

describe('reconcile', () => {
  it('resolves UNKNOWN intents found on the exchange, fails long-absent ones, adopts orphans, updates live ones', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const journal = memoryJournal({ clock });
    const gate = tradingGate({ clock });
    // An old intent that never reached the exchange.
    await journalIntent(journal, 'never-sent', ['SENT', 'UNKNOWN']);
    await clock.advance(11 * 60_000);
    // An intent whose reply was lost; the order filled meanwhile.
    await journalIntent(journal, 'lost', ['SENT', 'UNKNOWN']);
    router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01, clientOrderId: clientOrderIdFor('lost') });
    // A live order that filled while we were down.
    await journalIntent(journal, 'live', ['SENT']);
    const live = router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId: clientOrderIdFor('live') });
    if (!live.ok) throw new Error('setup');
    await journal.updateState('live', 'OPEN', { exchangeOrderId: String(live.order.orderId) });
    router.engine.fillOrder('BTCUSDT', { orderId: live.order.orderId });
    // An open order nobody journalled.
    router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 0.02, price: 60_000, clientOrderId: 'manual-1' });
    router.resetStats();

    const rex = resilientExchange(exchange, { clock, journal });
    const report = await drive(clock, reconcile(rex, { gate }));

    expect(report.resolved).toEqual([{ intentId: 'lost', state: 'FILLED', orderId: '1' }]);
    expect(report.failed).toEqual(['never-sent']);
    expect(report.updated).toEqual([{ intentId: 'live', from: 'OPEN', to: 'FILLED' }]);
    expect(report.adopted).toEqual([{ intentId: 'adopted:3', orderId: '3', symbol: SYMBOL }]);
    expect(report.clean).toBe(true);
    expect(gate.mode).toBe('active');
    expect(gate.history().map((c) => c.to)).toEqual(['reducing', 'active']);
    expect((await journal.get('never-sent'))?.state).toBe('FAILED');
    expect((await journal.get('adopted:3'))?.state).toBe('OPEN');
    // Reconciliation only reads: the exchange still holds exactly the three orders.
    expect(router.stats().ordersHeld).toBe(3);
    expect(router.stats().byRoute['POST /api/v3/order']).toBeUndefined();
  });

  it('keeps the gate reducing while an intent stays unresolved within the grace period', async () => {
    const { exchange, clock } = await offlineBinance();
    const journal = memoryJournal({ clock });
    const gate = tradingGate({ clock });
    await journalIntent(journal, 'recent', ['SENT', 'UNKNOWN']);
    const rex = resilientExchange(exchange, { clock, journal });
    const report = await drive(clock, reconcile(rex, { gate }));
    expect(report.unresolved).toEqual(['recent']);
    expect(report.clean).toBe(false);
    expect(gate.mode).toBe('reducing');
    expect(gate.status.reason).toMatch(/1 order intents unresolved/);
    expect((await journal.get('recent'))?.state).toBe('UNKNOWN');
  });

  it('a failing exchange leaves reconciliation unclean and the gate reducing', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const journal = memoryJournal({ clock });
    const gate = tradingGate({ clock });
    await journalIntent(journal, 'x', ['SENT']);
    router.setFaults({ maintenance: true });
    const rex = resilientExchange(exchange, { clock, journal, maxAttempts: 1 });
    const report = await drive(clock, reconcile(rex, { gate, symbols: [SYMBOL] }));
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.clean).toBe(false);
    expect(gate.status.reason).toMatch(/reconciliation failed/);
  });

  it('reports unclean when a lookup failed, even with no intent unresolved', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const journal = memoryJournal({ clock });
    const gate = tradingGate({ clock });
    router.setFaults({ failures: [{ method: 'GET', path: '/api/v3/openOrders', status: 502 }] });
    const rex = resilientExchange(exchange, { clock, journal, maxAttempts: 1 });
    const report = await drive(clock, reconcile(rex, { gate, symbols: [SYMBOL] }));
    expect(report.unresolved).toEqual([]);
    expect(report.errors.map((e) => e.scope)).toEqual([`open orders ${SYMBOL}`]);
    expect(report.clean).toBe(false);
    expect(gate.mode).toBe('reducing');
    expect(gate.status.reason).toMatch(/reconciliation failed: 1 lookups failed/);
  });

  it('does not adopt again an order the journal already follows while it is still open', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const journal = memoryJournal({ clock });
    await journalIntent(journal, 'resting', ['SENT']);
    const placed = router.engine.placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 49_000, clientOrderId: clientOrderIdFor('resting') });
    if (!placed.ok) throw new Error('setup');
    await journal.updateState('resting', 'OPEN', { exchangeOrderId: String(placed.order.orderId) });
    const rex = resilientExchange(exchange, { clock, journal });
    const report = await drive(clock, reconcile(rex));
    expect(report.adopted).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.clean).toBe(true);
    expect(await journal.get(`adopted:${placed.order.orderId}`)).toBeUndefined();
    expect((await journal.listByState(['OPEN'])).map((i) => i.intentId)).toEqual(['resting']);
  });

  it('an exchange without a never-placed rule fails an absent intent only once it is older than the grace period', async () => {
    const { exchange, clock } = await offlineBinance();
    const journal = memoryJournal({ clock });
    await journalIntent(journal, 'absent', ['SENT', 'UNKNOWN']);
    const rex = resilientExchange(exchange, { clock, journal, neverPlaced: null });
    await clock.advance(60_000);
    const atGrace = await drive(clock, reconcile(rex, { unknownGraceMs: 60_000 }), 0);
    expect(atGrace.unresolved).toEqual(['absent']);
    expect((await journal.get('absent'))?.state).toBe('UNKNOWN');
    await clock.advance(1);
    const past = await drive(clock, reconcile(rex, { unknownGraceMs: 60_000 }), 0);
    expect(past.failed).toEqual(['absent']);
    expect((await journal.get('absent'))?.state).toBe('FAILED');
  });
});
