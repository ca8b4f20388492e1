/** Security headers on every answer; no CORS; the dashboard cannot be framed. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('security headers', () => {
  it('forbid framing and sniffing, and set a CSP with no inline script, on pages, the API and errors', async () => {
    f = await fixture();
    for (const url of ['/', '/docs', '/api/overview', '/api/no-such-route']) {
      const res = await f.app.inject({ method: 'GET', url });
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).not.toContain('unsafe-inline');
      expect(csp, url).not.toContain('upgrade-insecure-requests');
      // HSTS only over TLS (tls-files.test.ts covers the TLS side).
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('allow the API page its one inline style block by hash', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-security-policy'])).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
  });

  it('send no CORS headers, to a simple request or to a preflight', async () => {
    f = await fixture();
    const simple = await f.app.inject({ method: 'GET', url: '/api/overview', headers: { origin: 'https://attacker.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await f.app.inject({
      method: 'OPTIONS',
      url: '/api/gate/halt',
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.statusCode).toBe(404);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});
