import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('rate limit routes', () => {
  it('reports admitted and limited units and the queue', async () => {
    f = await fixture();
    for (let i = 0; i < 3; i++) await f.limiter.consume('orders');
    const res = await f.app.inject({ method: 'GET', url: '/api/limits' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{ name: 'orders', description: '1/s, burst 2', windowMs: 60_000, admitted: 2, limited: 1, usage: 2 / 60, queued: 0 }]);
    const queues = await f.app.inject({ method: 'GET', url: '/api/limits/queues' });
    expect(queues.json()).toEqual([{ name: 'orders', queued: 0 }]);
  });
});
