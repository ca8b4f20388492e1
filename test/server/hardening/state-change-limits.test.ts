/** Rate limits on state changes (per principal and per source, our token buckets, on the fixture's ManualClock) and the caps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/security/principal.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const reset = (app: Fixture['app'], extra: { remoteAddress?: string; principal?: string } = {}) =>
  app.inject({ method: 'POST', url: '/api/breakers/exchange/reset', payload: {}, ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}), headers: extra.principal ? { 'x-test-principal': extra.principal } : {} });

/** Stands in for authentication (another part of the server): sets request.principal from a test header. */
function fakeAuthentication(app: Fixture['app']): void {
  app.addHook('onRequest', async (request) => {
    const name = request.headers['x-test-principal'];
    if (typeof name === 'string') request.principal = { kind: 'token', name, role: 'operator', permissions: new Set(), id: `id-${name}` } satisfies Principal;
  });
}

describe('rate limits on state changes', () => {
  it('refuse the request past the burst with 429 problem+json and Retry-After, and admit again once the bucket refills', async () => {
    f = await fixture({ app: { http: { rateLimit: { perPrincipal: { burst: 3, perSecond: 1 } } } } });
    for (let i = 0; i < 3; i++) expect((await reset(f.app)).statusCode).toBe(200);
    const refused = await reset(f.app);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().detail).toMatch(/too many state-changing requests from source 127\.0\.0\.1/);
    await f.clock.advance(1_000);
    expect((await reset(f.app)).statusCode).toBe(200);
  });

  it('never limit reads', async () => {
    f = await fixture({ app: { http: { rateLimit: { perPrincipal: { burst: 1, perSecond: 1 }, perSource: { burst: 1, perSecond: 1 } } } } });
    for (let i = 0; i < 20; i++) expect((await f.app.inject({ method: 'GET', url: '/api/breakers' })).statusCode).toBe(200);
  });

  it('count per principal: one principal at its limit does not stop another', async () => {
    f = await fixture({ app: { http: { rateLimit: { perPrincipal: { burst: 2, perSecond: 1 }, perSource: { burst: 100, perSecond: 10 } } } } });
    fakeAuthentication(f.app);
    expect((await reset(f.app, { principal: 'alice' })).statusCode).toBe(200);
    expect((await reset(f.app, { principal: 'alice' })).statusCode).toBe(200);
    const refused = await reset(f.app, { principal: 'alice' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().detail).toMatch(/principal "id-alice"/);
    expect((await reset(f.app, { principal: 'bob' })).statusCode).toBe(200);
  });

  it('count per source as well: many principals from one address share its limit; another address does not', async () => {
    f = await fixture({ app: { http: { rateLimit: { perPrincipal: { burst: 10, perSecond: 1 }, perSource: { burst: 3, perSecond: 1 } } } } });
    fakeAuthentication(f.app);
    for (const who of ['a', 'b', 'c']) expect((await reset(f.app, { principal: who, remoteAddress: '10.0.0.7' })).statusCode).toBe(200);
    const refused = await reset(f.app, { principal: 'd', remoteAddress: '10.0.0.7' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().detail).toMatch(/source 10\.0\.0\.7/);
    expect((await reset(f.app, { principal: 'd', remoteAddress: '10.0.0.8' })).statusCode).toBe(200);
  });

  it('stop 500 resets in a burst with the defaults', async () => {
    f = await fixture();
    const codes = [];
    for (let i = 0; i < 500; i++) codes.push((await reset(f.app)).statusCode);
    expect(codes.filter((c) => c === 200).length).toBeLessThanOrEqual(30);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(470);
  });

  it('refuse settings out of range, naming the key', async () => {
    await expect(fixture({ app: { http: { rateLimit: { perPrincipal: { burst: 0 } } } } })).rejects.toThrow(/rateLimit\.perPrincipal\.burst/);
    await expect(fixture({ app: { http: { timeouts: { headersMs: 20_000, requestMs: 10_000 } } } })).rejects.toThrow(/timeouts\.headersMs/);
  });
});

describe('caps', () => {
  const rule = (name: string) => ({ name, metric: 'bulwark_circuitbreaker_state', match: { state: 'open' }, condition: '>=', threshold: 1, severity: 'critical', description: 'x' });

  it('refuse the alert rule past the cap with 409 naming the cap', async () => {
    f = await fixture({ app: { http: { maxAlertRules: 2, rateLimit: { perPrincipal: { burst: 100, perSecond: 1 } } } } });
    expect((await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule('r1') })).statusCode).toBe(201);
    expect((await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule('r2') })).statusCode).toBe(201);
    const third = await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule('r3') });
    expect(third.statusCode).toBe(409);
    expect(third.json().detail).toMatch(/capped at 2 \(security\.http\.maxAlertRules\)/);
    expect(f.alerts.list()).toHaveLength(2);
  });

  it('default cap: the 2,001st alert rule is refused', async () => {
    f = await fixture({ app: { http: { rateLimit: { perPrincipal: { burst: 5_000, perSecond: 1 }, perSource: { burst: 5_000, perSecond: 1 } } } } });
    for (let i = 0; i < 2_000; i++) f.alerts.add(rule(`r${i}`) as never);
    const next = await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule('r2000') });
    expect(next.statusCode).toBe(409);
    expect(next.json().detail).toMatch(/capped at 2000/);
  });

  it('one backup at a time over the API: a second while the first runs gets 409', async () => {
    f = await fixture();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    f.backups.register('slow', { snapshot: async () => (await gate, { v: 1 }), restore: async () => undefined });
    const first = f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'state' } });
    // The first is inside its snapshot once the provider was asked; wait for that without a clock.
    await new Promise<void>((resolve) => {
      const off = f!.backups.on('progress', (p) => {
        if (p.operation === 'create') {
          off();
          resolve();
        }
      });
    });
    const second = await f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'state' } });
    expect(second.statusCode).toBe(409);
    expect(second.json().detail).toMatch(/already being created/);
    release();
    expect((await first).statusCode).toBe(201);
    expect((await f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'state' } })).statusCode).toBe(201);
  });
});
