/** The simulator's timing security (Binance: timestamp + recvWindow, -1021; -1007 after the backend timeout) and its request faults. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { SIM_BACKEND_TIMEOUT_MS, createSimRouter } from '../../../src/trading/sim/router.js';

const T0 = 1_700_000_000_000;

function setup() {
  const clock = new ManualClock(T0);
  const router = createSimRouter({ clock });
  const order = (timestamp: number, extra = '') =>
    router.handle({ method: 'POST', url: '/api/v3/order', body: `symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.01&price=40000&newClientOrderId=c1&timestamp=${timestamp}${extra}` });
  const body = (reply: Awaited<ReturnType<typeof order>>) => (reply.kind === 'reply' ? (JSON.parse(reply.body) as { code?: number; msg?: string }) : undefined);
  return { clock, router, order, body };
}

describe('sim timing security', () => {
  it('refuses a signed request that arrives after timestamp + recvWindow (-1021), accepts one on the boundary', async () => {
    const s = setup();
    const late = await s.order(T0 - 5_001);
    expect(late).toMatchObject({ status: 400 });
    expect(s.body(late)).toEqual({ code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });
    expect(s.router.stats().ordersAccepted).toBe(0);
    expect(await s.order(T0 - 9_000, '&recvWindow=9000')).toMatchObject({ status: 200 });
    expect(s.router.stats().ordersAccepted).toBe(1);
  });

  it('refuses a timestamp more than 1 s ahead and a recvWindow over 60 s', async () => {
    const s = setup();
    expect(s.body(await s.order(T0 + 1_001))).toMatchObject({ code: -1021 });
    expect(s.body(await s.order(T0, '&recvWindow=60001'))).toMatchObject({ code: -1131 });
  });

  it('a lost request never reaches the exchange; the next one does', async () => {
    const s = setup();
    s.router.setFaults({ loseRequests: 1 });
    expect(await s.order(T0)).toEqual({ kind: 'drop' });
    expect(s.router.stats()).toMatchObject({ requests: 0, ordersAccepted: 0 });
    expect(await s.order(T0)).toMatchObject({ status: 200 });
  });

  it('slow matching past the backend timeout answers -1007; the engine takes the order later only within its window', async () => {
    const s = setup();
    s.router.setFaults({ matchingDelayMs: SIM_BACKEND_TIMEOUT_MS + 2_000 });
    const inWindow = s.order(T0, '&recvWindow=15000');
    await s.clock.advance(SIM_BACKEND_TIMEOUT_MS);
    const reply = await inWindow;
    expect(reply).toMatchObject({ status: 408 });
    expect(s.body(reply)).toMatchObject({ code: -1007 });
    expect(s.router.stats().ordersAccepted).toBe(0);
    await s.clock.advance(2_000);
    expect(s.router.stats().ordersAccepted).toBe(1);

    const outOfWindow = s.order(s.clock.now(), '&recvWindow=5000&newClientOrderId=c2');
    await s.clock.advance(SIM_BACKEND_TIMEOUT_MS + 2_000);
    expect(s.body(await outOfWindow)).toMatchObject({ code: -1007 });
    expect(s.router.stats().ordersAccepted).toBe(1);
  });
});
