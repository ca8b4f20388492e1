import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

async function seed(): Promise<string[]> {
  const a = await f.queue.add({ operation: 'createOrder', payload: { n: 1 }, error: new Error('rejected') });
  const b = await f.queue.add({ operation: 'createOrder', payload: { n: 2, fail: true }, error: 'rejected' });
  const c = await f.queue.add({ operation: 'cancelOrder', payload: { n: 3 }, error: 'gone' });
  return [a.id, b.id, c.id];
}

describe('dead-letter routes', () => {
  it('lists with a total, filters by operation, pages with limit/offset', async () => {
    f = await fixture();
    await seed();
    const all = (await f.app.inject({ method: 'GET', url: '/api/dead-letters' })).json();
    expect(all).toMatchObject({ queue: 'orders', total: 3 });
    expect(all.items).toHaveLength(3);
    const creates = (await f.app.inject({ method: 'GET', url: '/api/dead-letters?operation=createOrder&limit=1&offset=1' })).json();
    expect(creates.total).toBe(2);
    expect(creates.items).toHaveLength(1);
    expect(creates.items[0].payload).toEqual({ n: 2, fail: true });
  });

  it('inspects one letter; 404 for an unknown id', async () => {
    f = await fixture();
    const [id] = await seed();
    const res = await f.app.inject({ method: 'GET', url: `/api/dead-letters/${id}` });
    expect(res.json()).toMatchObject({ id, operation: 'createOrder', error: 'Error: rejected', status: 'pending' });
    const missing = await f.app.inject({ method: 'GET', url: '/api/dead-letters/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toBe('no dead letter with id "nope"');
  });

  it('replays pending letters through the handler and reports failures', async () => {
    f = await fixture();
    const [a, b] = await seed();
    const replay = f.app.inject({ method: 'POST', url: '/api/dead-letters/replay', payload: { operation: 'createOrder' } });
    // The failing letter is retried under the queue's policy, which waits on the clock.
    for (let i = 0; i < 50; i++) await f.clock.advance(1_000);
    const res = await replay;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ total: 2, replayed: [a], failed: [{ id: b }] });
    expect(f.replayed).toEqual([a]);
    expect((await f.queue.inspect(a!))!.status).toBe('replayed');
    expect(f.events.timeline()[0]!.message).toBe('replay: 1 replayed, 1 failed of 2');
  });

  it('purges the letters matching the filter', async () => {
    f = await fixture();
    const [a] = await seed();
    const res = await f.app.inject({ method: 'POST', url: '/api/dead-letters/purge', payload: { ids: [a] } });
    expect(res.json()).toEqual({ purged: 1 });
    expect(await f.queue.count()).toBe(2);
    expect((await f.app.inject({ method: 'POST', url: '/api/dead-letters/purge', payload: {} })).json()).toEqual({ purged: 2 });
  });

  it('rejects a bad status, an empty id list and unknown fields with 400', async () => {
    f = await fixture();
    const status = await f.app.inject({ method: 'GET', url: '/api/dead-letters?status=lost' });
    expect(status.statusCode).toBe(400);
    expect(status.json().detail).toMatch(/^querystring\.status:/);
    const empty = await f.app.inject({ method: 'POST', url: '/api/dead-letters/replay', payload: { ids: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toMatch(/^body\.ids:/);
    const unknown = await f.app.inject({ method: 'POST', url: '/api/dead-letters/purge', payload: { everything: true } });
    expect(unknown.statusCode).toBe(400);
  });
});
