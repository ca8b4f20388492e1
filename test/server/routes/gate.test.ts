import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('trading gate routes', () => {
  it('shows the mode, reason and conditions', async () => {
    f = await fixture();
    f.gate.raise('stale:BTC/USDT', 'reducing', 'no ticker for 30 s');
    const res = await f.app.inject({ method: 'GET', url: '/api/gate' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ mode: 'reducing', killed: false, conditions: [{ name: 'stale:BTC/USDT', mode: 'reducing' }] });
  });

  it('halt needs a reason; halted until resume; history newest first', async () => {
    f = await fixture();
    const bad = await f.app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: ' ' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^body\.reason: say why trading is halted/);
    expect(f.gate.mode).toBe('active');

    const halted = await f.app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'exchange incident' } });
    expect(halted.statusCode).toBe(200);
    expect(halted.json()).toMatchObject({ mode: 'halted', killed: true });
    expect(f.gate.mode).toBe('halted');

    await f.clock.advance(1_000);
    const resumed = await f.app.inject({ method: 'POST', url: '/api/gate/resume', payload: {} });
    expect(resumed.json()).toMatchObject({ mode: 'active', killed: false });

    const history = (await f.app.inject({ method: 'GET', url: '/api/gate/history?limit=5' })).json<Array<{ from: string; to: string }>>();
    expect(history.map((h) => `${h.from}->${h.to}`)).toEqual(['halted->active', 'active->halted']);
    expect(f.events.timeline().some((e) => e.message === 'halted by operator: exchange incident')).toBe(true);
  });

  it('rejects a bad history limit with 400 naming the field', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/gate/history?limit=0' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^querystring\.limit:/);
  });
});
