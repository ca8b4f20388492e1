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
    expect(bad.json().detail).toMatch(/^body\.reason: say why trading is halted/);
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
    expect(res.json().detail).toMatch(/^querystring\.limit:/);
  });
});

describe('trading gate routes: resume and acknowledge', () => {
  it('resume says what still holds the gate; acknowledging the rule-raised condition lets trading resume', async () => {
    f = await fixture();
    f.gate.kill('incident');
    for (const id of ['a', 'b', 'c']) f.gate.reportUnknownOrder(id);
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/resume', payload: { reason: 'incident over' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      mode: 'halted',
      killed: false,
      resume: { released: true, mode: 'halted', acknowledged: [], holding: [{ name: 'unknown-orders', mode: 'halted' }] },
    });
    expect(res.json().resume.message).toMatch(/^kill switch released; still halted, held by unknown-orders \(halted\): 3 orders/);

    const again = await f.app.inject({ method: 'POST', url: '/api/gate/resume', payload: { reason: 'checked the book by hand', acknowledge: ['unknown-orders'] } });
    expect(again.json()).toMatchObject({ mode: 'active', resume: { released: false, holding: [], acknowledged: ['unknown-orders'] } });
    expect(again.json().conditions).toEqual([expect.objectContaining({ name: 'unknown-orders', acknowledged: expect.objectContaining({ reason: 'checked the book by hand' }) })]);
  });

  it('refuses to acknowledge a condition that is not raised, naming it', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/resume', payload: { acknowledge: ['loss'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('acknowledge: no raised condition named loss (raised: none)');
    const ack = await f.app.inject({ method: 'POST', url: '/api/gate/acknowledge', payload: { condition: 'loss', reason: 'x' } });
    expect(ack.statusCode).toBe(404);
    const noReason = await f.app.inject({ method: 'POST', url: '/api/gate/acknowledge', payload: { condition: 'loss' } });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().detail).toMatch(/^body\.reason/);
  });

  it('POST /api/gate/acknowledge takes a condition out of the mode until its rule fires again', async () => {
    f = await fixture();
    f.gate.raise('reconcile', 'reducing', 'reconciliation failed: 1 lookups failed');
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/acknowledge', payload: { condition: 'reconcile', reason: 'exchange status page says all is well' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ mode: 'active', conditions: [{ name: 'reconcile', acknowledged: { reason: 'exchange status page says all is well', by: 'operator' } }] });
  });
});

