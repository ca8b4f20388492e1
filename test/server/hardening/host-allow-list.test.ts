/** DNS rebinding: a request whose Host names another site is refused (421) before any handler runs. */
import { afterEach, describe, expect, it } from 'vitest';
import { hostCheck, splitHost } from '../../../src/server/host-allow-list.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('Host allow-list', () => {
  it('refuses a forged Host with 421 problem+json, and the halt it carried does not happen', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { host: 'attacker.example' }, payload: { reason: 'rebound' } });
    expect(res.statusCode).toBe(421);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(/^headers\.host: "attacker\.example" is not a host/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(f.gate.mode).toBe('active');
  });

  it('accepts localhost, 127.0.0.1 and [::1]', async () => {
    f = await fixture();
    for (const host of ['localhost', '127.0.0.1:8080', '[::1]:8080', 'LOCALHOST']) {
      const res = await f.app.inject({ method: 'GET', url: '/api/overview', headers: { host } });
      expect(res.statusCode, host).toBe(200);
    }
  });

  it('accepts the machine\'s own addresses (probes and scrapers of a server bound to 0.0.0.0) and never a name', () => {
    const check = hostCheck([], ['10.1.2.3', '[fe80::1]']);
    expect(check.allows('10.1.2.3:8080', 8080, '0.0.0.0')).toBe(true);
    expect(check.allows('[fe80::1]:8080', 8080, '::')).toBe(true);
    expect(check.allows('10.1.2.4:8080', 8080, '0.0.0.0')).toBe(false);
    expect(check.allows('rebind.attacker.example:8080', 8080, '0.0.0.0')).toBe(false);
  });

  it('lets the liveness and readiness probes through whatever the Host, and nothing else', async () => {
    f = await fixture();
    expect((await f.app.inject({ method: 'GET', url: '/livez', headers: { host: 'pod-ip.cluster.local' } })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'GET', url: '/metrics', headers: { host: 'pod-ip.cluster.local' } })).statusCode).toBe(421);
    expect((await f.app.inject({ method: 'GET', url: '/readyz?verbose', headers: { host: 'pod-ip.cluster.local' } })).statusCode).not.toBe(421);
  });

  it('accepts the names of security.http.allowedHosts, with or without a port', async () => {
    f = await fixture({ app: { http: { allowedHosts: ['ops.desk.example', 'bulwark.internal:9443'] } } });
    const ok = (host: string) => f!.app.inject({ method: 'GET', url: '/api/overview', headers: { host } }).then((r) => r.statusCode);
    expect(await ok('ops.desk.example')).toBe(200);
    expect(await ok('ops.desk.example:1234')).toBe(200);
    expect(await ok('bulwark.internal:9443')).toBe(200);
    expect(await ok('bulwark.internal:9444')).toBe(421);
    expect(await ok('evil.ops.desk.example')).toBe(421);
  });

  it('on a listening server, takes only its own port', async () => {
    f = await fixture();
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (f.app.server.address() as { port: number }).port;
    const at = (host: string) => fetchStatus(port, host);
    expect(await at(`127.0.0.1:${port}`)).toBe(200);
    expect(await at(`localhost:${port}`)).toBe(200);
    expect(await at(`localhost:${port + 1}`)).toBe(421);
    expect(await at('attacker.example')).toBe(421);
  });

  it('refuses a malformed allowedHosts entry, naming it', () => {
    expect(() => hostCheck(['ok.example', 'bad host'])).toThrow(/allowedHosts: "bad host"/);
    expect(splitHost('[::1]:80')).toEqual({ name: '[::1]', port: '80' });
    expect(splitHost('a/b')).toBeUndefined();
  });
});

/** A GET /api/overview on 127.0.0.1 with a chosen Host header (fetch would set its own). */
async function fetchStatus(port: number, host: string): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/overview', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
