/** The gate's automatic rules wired to a real resilient exchange (ccxt.binance over the simulator's fetch). */
import { describe, expect, it } from 'vitest';
import { TradingGateError } from '../../src/trading/errors.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { tradingGate } from '../../src/trading/gate.js';
import { drive, offlineBinance } from './support/offline-binance.js';

describe('tradingGate.watchExchange', () => {
  it('orders left unresolved halt trading after maxUnknownOrders; a halted gate sends nothing', async () => {
    const { exchange, router, clock } = await offlineBinance({ faults: { dropReplyAfterAccept: 2, visibilityDelayMs: 3_600_000 } });
    const gate = tradingGate({ clock, maxUnknownOrders: 2 });
    const rex = resilientExchange(exchange, { clock, admission: gate, lookupAttempts: 1 });
    gate.watchExchange(rex);
    for (const id of ['u1', 'u2']) await drive(clock, rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: id })).catch(() => undefined);
    expect(gate.mode).toBe('halted');
    expect(gate.status.reason).toMatch(/unknown-orders: 2 orders of unknown status/);
    const sent = router.stats().requests;
    await expect(rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'u3' })).rejects.toBeInstanceOf(TradingGateError);
    expect(router.stats().requests).toBe(sent);
    expect(router.stats().ordersHeld).toBe(2);
  });

  it('the order-path breaker opening moves the gate to reducing; new exposure is refused before any request', async () => {
    const { exchange, router, clock } = await offlineBinance();
    const gate = tradingGate({ clock });
    const rex = resilientExchange(exchange, { clock, admission: gate, maxAttempts: 1, breaker: { window: { kind: 'consecutive', failures: 2 } } });
    gate.watchExchange(rex);
    router.setFaults({ maintenance: true });
    for (let i = 0; i < 2; i++) await expect(rex.fetchOpenOrders('BTC/USDT')).rejects.toThrow(/maintenance/);
    expect(gate.mode).toBe('reducing');
    router.resetStats();
    await expect(rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000)).rejects.toMatchObject({ code: 'TRADING_REDUCING' });
    expect(router.stats().requests).toBe(0);
  });
});
