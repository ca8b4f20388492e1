import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

const post = (url: string, payload: object = {}) => f.app.inject({ method: 'POST', url, payload });

describe('breaker routes', () => {
  it('lists every breaker with its state and window figures', async () => {
    f = await fixture();
    await f.registry.get('exchange')!.execute(() => 'ok');
    const res = await f.app.inject({ method: 'GET', url: '/api/breakers' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      expect.objectContaining({ name: 'exchange', state: 'closed', isolatedByOperator: false }),
      expect.objectContaining({ name: 'database', state: 'closed', isolatedByOperator: false }),
    ]);
  });

  it('shows one breaker with its settings in force and its snapshot; 404 names an unknown breaker', async () => {
    f = await fixture();
    f.registry.breaker('exchange').reconfigure({ window: { kind: 'count', size: 40 }, minimumCalls: 10 });
    const res = await f.app.inject({ method: 'GET', url: '/api/breakers/exchange' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'exchange', state: 'closed', settings: { window: { kind: 'count', size: 40 }, minimumCalls: 10, failureRateThreshold: 0.5 }, snapshot: { state: 'closed' } });
    const missing = await f.app.inject({ method: 'GET', url: '/api/breakers/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toBe('no breaker named "nope"');
  });

  it('reset closes an open breaker and puts the operator action on the timeline', async () => {
    f = await fixture();
    const breaker = f.registry.get('exchange')!;
    for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(breaker.state).toBe('open');
    const res = await post('/api/breakers/exchange/reset', { reason: 'exchange is back' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'exchange', state: 'closed' });
    expect(breaker.state).toBe('closed');
    const messages = f.events.timeline().map((e) => e.message);
    expect(messages).toContain('breaker reset by operator: exchange is back');
    // The state changes themselves are on the timeline too (bound by buildApp).
    expect(messages.filter((m) => m.startsWith('closed → open') || m.startsWith('open → closed'))).toHaveLength(2);
  });

  it('isolate holds the breaker isolated until release; doing either twice is a 409', async () => {
    f = await fixture();
    const breaker = f.registry.get('database')!;
    expect((await post('/api/breakers/database/isolate')).json()).toMatchObject({ name: 'database', state: 'isolated', isolatedByOperator: true, isolatedBy: { actor: 'operator', reason: null } });
    expect(breaker.state).toBe('isolated');
    const again = await post('/api/breakers/database/isolate');
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toMatch(/already isolated/);
    const listed = (await f.app.inject({ method: 'GET', url: '/api/breakers' })).json<Array<{ name: string; isolatedByOperator: boolean }>>();
    expect(listed.find((b) => b.name === 'database')!.isolatedByOperator).toBe(true);
    expect((await post('/api/breakers/database/release')).json()).toEqual({ name: 'database', state: 'closed' });
    const twice = await post('/api/breakers/database/release');
    expect(twice.statusCode).toBe(409);
    expect(twice.json().detail).toMatch(/not isolated by an operator/);
  });

  it('reset also drops an isolation made through the API', async () => {
    f = await fixture();
    await post('/api/breakers/database/isolate');
    await post('/api/breakers/database/reset');
    expect(f.registry.get('database')!.state).toBe('closed');
    expect((await post('/api/breakers/database/release')).statusCode).toBe(409);
  });

  it('rejects an unknown body field with 400 naming it', async () => {
    f = await fixture();
    const res = await post('/api/breakers/exchange/reset', { force: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/^body/);
    expect(res.json().detail).toMatch(/force|Unrecognized/i);
  });
});
