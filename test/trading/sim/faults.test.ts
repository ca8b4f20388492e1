import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { noFaults, updateFaults } from '../../../src/trading/sim/faults.js';
import { createSimRouter } from '../../../src/trading/sim/router.js';

describe('sim faults', () => {
  it('merge updates and reject bad fields by name', () => {
    const faults = updateFaults(noFaults(), { latencyMs: 50 });
    expect(updateFaults(faults, { maintenance: true })).toMatchObject({ latencyMs: 50, maintenance: true });
    expect(() => updateFaults(faults, { latencyMs: -1 })).toThrow(/latencyMs/);
    expect(() => updateFaults(faults, { bogus: 1 })).toThrow(TypeError);
  });

  it('rules are counted; 418 bans every request for Retry-After; used-weight headers are sent', async () => {
    const clock = new ManualClock();
    const router = createSimRouter({ clock, faults: { failures: [{ status: 503, times: 2 }] } });
    const get = () => router.handle({ method: 'GET', url: '/api/v3/ticker/24hr?symbol=BTCUSDT', body: '' });
    expect(await get()).toMatchObject({ status: 503 });
    expect(await get()).toMatchObject({ status: 503 });
    const ok = await get();
    expect(ok).toMatchObject({ status: 200 });
    expect(ok.kind === 'reply' && Number(ok.headers['X-MBX-USED-WEIGHT-1M'])).toBe(6);
    router.setFaults({ failures: [{ status: 418, retryAfterSec: 60 }] });
    expect(await get()).toMatchObject({ status: 418, headers: { 'Retry-After': '60' } });
    await clock.advance(30_000);
    expect(await get()).toMatchObject({ status: 418, headers: { 'Retry-After': '30' } });
    await clock.advance(30_000);
    expect(await get()).toMatchObject({ status: 200 });
    expect(router.stats().requests).toBe(6);
  });

  it('control plane: fill, price and stats over JSON', async () => {
    const router = createSimRouter({ clock: new ManualClock() });
    const post = (url: string, body: unknown) => router.handle({ method: 'POST', url, body: JSON.stringify(body) });
    await router.handle({ method: 'POST', url: '/api/v3/order', body: 'symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.01&price=40000&newClientOrderId=abc' });
    expect(await post('/_sim/fill', { symbol: 'BTCUSDT', clientOrderId: 'abc' })).toMatchObject({ status: 200 });
    expect(await post('/_sim/fill', { symbol: 'BTCUSDT', clientOrderId: 'abc' })).toMatchObject({ status: 400 });
    expect(await post('/_sim/faults', { latencyMs: 'slow' })).toMatchObject({ status: 400 });
    const stats = await router.handle({ method: 'GET', url: '/_sim/stats', body: '' });
    expect(stats.kind === 'reply' && JSON.parse(stats.body)).toMatchObject({ requests: 1, ordersHeld: 1, openOrders: 0 });
  });
});
