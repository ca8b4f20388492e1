import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('GET /api/orders', () => {
  it('returns counts and the latest intents up to the limit', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/orders?limit=1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ counts: { OPEN: 1, FILLED: 2 }, recent: [{ intentId: 'i-2' }] });
    expect(res.json().recent).toHaveLength(1);
  });

  it('rejects a limit that is not a number', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/orders?limit=lots' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^querystring\.limit:/);
  });
});
