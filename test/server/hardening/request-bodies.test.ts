/** Bodies: prototype-poisoning keys named, JSON only on JSON routes, the size limit kept, no server path in a 404. */
import { afterEach, describe, expect, it } from 'vitest';
import { poisonedField } from '../../../src/server/json-body.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('request bodies', () => {
  it('answer a __proto__ key with 400 naming the field and the reason, not "not valid JSON"', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { 'content-type': 'application/json' }, payload: '{"reason":"x","__proto__":{"admin":true}}' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body.errors).toEqual([{ field: 'body.__proto__', reason: expect.stringMatching(/prototype poisoning/) }]);
    expect(body.detail).not.toMatch(/not valid JSON/);
    expect(f.gate.mode).toBe('active');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('finds a nested __proto__ and constructor.prototype, and passes ordinary bodies', () => {
    expect(poisonedField(JSON.parse('{"a":[{"b":{"__proto__":{}}}]}'))?.field).toBe('body.a.0.b.__proto__');
    expect(poisonedField(JSON.parse('{"constructor":{"prototype":{"x":1}}}'))?.field).toBe('body.constructor.prototype');
    expect(poisonedField(JSON.parse('{"constructor":"a name","proto":1}'))).toBeUndefined();
  });

  it('answer bad JSON without quoting the body', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { 'content-type': 'application/json' }, payload: '{"reason":"sk-live-1234567890' });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('sk-live');
    expect(res.json().errors).toEqual([{ field: 'body', reason: 'not valid JSON' }]);
  });

  it('refuse text/plain and form bodies on JSON routes', async () => {
    f = await fixture();
    const text = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { 'content-type': 'text/plain' }, payload: '{"reason":"x"}' });
    expect(text.statusCode).toBe(400);
    const form = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'reason=x' });
    expect(form.statusCode).toBe(415);
    expect(f.gate.mode).toBe('active');
  });

  it('keep the body size limit (413)', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ reason: 'x'.repeat(1_100_000) }) });
    expect(res.statusCode).toBe(413);
  });

  it('answer 404 without a server path, for a missing file or a missing backup', async () => {
    f = await fixture();
    for (const url of ['/no-such-file.js', '/%2e%2e/%2e%2e/etc/passwd', '/api/backups/20260101-nope/restore']) {
      const res = await f.app.inject({ method: url.startsWith('/api') ? 'POST' : 'GET', url, ...(url.startsWith('/api') ? { payload: { dryRun: true } } : {}) });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toMatch(/\/tmp\/|bulwark-server-|\/work\//);
    }
  });

  it('answer a badly encoded URL (400) and an over-long id (414) as problem+json without quoting the path', async () => {
    f = await fixture();
    for (const [url, status] of [['/api/breakers/%ff%fe', 400], ['/api/breakers/%zz/reset', 400], [`/api/breakers/${'x'.repeat(5_000)}/reset`, 414]] as const) {
      const res = await f.app.inject({ method: url.endsWith('reset') ? 'POST' : 'GET', url, ...(url.endsWith('reset') ? { payload: {} } : {}) });
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
      expect(res.json().detail, url).toMatch(/^url: /);
      expect(res.body, url).not.toContain('xxxxxxxxxx');
    }
  });
});
