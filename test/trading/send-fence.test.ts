/**
 * The last check before an order leaves (orders/send-fence.ts): a gate that turns reducing while an
 * admitted order waits (here: out a 429's pause before its second try) stops the order there;
 * nothing reaches the exchange and the intent ends FAILED with the gate's reason.
 */
import { describe, expect, it } from 'vitest';
import { TradingGateError } from '../../src/trading/errors.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { tradingGate } from '../../src/trading/gate.js';
import { drive, offlineBinance } from './support/offline-binance.js';

describe('send fence', () => {
  it('stops an admitted order whose gate turned reducing before its request left', async () => {
    const { exchange, router, clock } = await offlineBinance({ faults: { failures: [{ path: '/api/v3/order', status: 429, retryAfterSec: 2 }] } });
    const gate = tradingGate({ clock });
    const rex = resilientExchange(exchange, { clock, admission: [gate] });
    const placing = rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000, { intentId: 'waits-out-a-429' });
    placing.catch(() => undefined);
    // The first try met the 429 (nothing placed); while the pause runs, the region loses its lease.
    await clock.advance(500);
    expect(router.stats().ordersHeld).toBe(0);
    gate.raise('region', 'reducing', 'region a lost the trading lease', { acknowledgeable: false });
    const error = await drive(clock, placing.then(() => undefined, (e: unknown) => e));
    expect(error).toBeInstanceOf(TradingGateError);
    expect((error as TradingGateError).code).toBe('TRADING_REDUCING');
    expect(router.stats().ordersHeld).toBe(0);
    expect(await rex.journal.get('waits-out-a-429')).toMatchObject({ state: 'FAILED' });
  });

  it('lets the order through when the gate still admits it at the last moment', async () => {
    const { exchange, router, clock } = await offlineBinance({ faults: { failures: [{ path: '/api/v3/order', status: 429, retryAfterSec: 2 }] } });
    const gate = tradingGate({ clock });
    const rex = resilientExchange(exchange, { clock, admission: [gate] });
    await drive(clock, rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000, { intentId: 'waits-and-goes' }));
    expect(router.stats().ordersHeld).toBe(1);
  });
});
