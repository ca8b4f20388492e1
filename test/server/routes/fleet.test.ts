import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('fleet routes without a fleet', () => {
  it('answer 404 saying the fleet is not configured', async () => {
    f = await fixture();
    for (const [method, url] of [
      ['GET', '/api/instances'],
      ['GET', '/api/instances/a'],
      ['GET', '/api/fleet'],
      ['POST', '/api/fleet/halt'],
      ['POST', '/api/fleet/instances/a/command'],
    ] as const) {
      const res = await f.app.inject({ method, url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().message).toBe('the fleet is not configured on this server');
    }
  });
});
