/** The simulator's HTTP server goes away and comes back on the same port with the same orders. */
import { afterEach, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from '../../../src/trading/sim/server.js';

let sim: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

describe('sim server outage', () => {
  it('refuses connections while down; back on the same port with the same state', async () => {
    sim = await startSimServer({ port: 0 });
    const placed = await fetch(`${sim.url}/api/v3/order`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '40000', timeInForce: 'GTC', newClientOrderId: 'before-outage' }),
    });
    expect(placed.status).toBe(200);
    await sim.stopListening();
    expect(sim.listening).toBe(false);
    await expect(fetch(`${sim.url}/api/v3/ping`)).rejects.toThrow();
    await sim.listenAgain();
    expect(sim.listening).toBe(true);
    const order = await fetch(`${sim.url}/api/v3/order?symbol=BTCUSDT&origClientOrderId=before-outage`);
    expect(await order.json()).toMatchObject({ clientOrderId: 'before-outage', status: 'NEW' });
    // Both are idempotent, and close works after an outage.
    await sim.listenAgain();
    await sim.stopListening();
    await sim.stopListening();
    await sim.close();
  });
});
