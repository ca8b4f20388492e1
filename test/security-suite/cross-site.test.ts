/**
 * What a hostile web page can make a browser send, tried on every state-changing route of the
 * OpenAPI document: "simple" cross-origin requests (text/plain, form and multipart bodies, with
 * the signed-in operator's cookie and another site's Origin) and DNS-rebound requests (a Host
 * naming another site). Every one is refused and none changes anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EveryRoute, changesState, everyRoute } from './every-route.js';

let s: EveryRoute;
let cookie: string;
beforeAll(async () => {
  s = await everyRoute();
  // The victim is signed in to the dashboard as admin: the browser attaches this cookie to a cross-site form post.
  const login = await s.app.inject({ method: 'POST', url: '/api/login', payload: { token: s.tokens.admin } });
  const raw = login.headers['set-cookie'];
  cookie = (Array.isArray(raw) ? raw : [String(raw)]).map((l) => l.split(';')[0]).join('; ');
});
afterAll(async () => s.close());

/** What a form or a no-cors fetch can send; `token` is a real one of the attacker's (a login CSRF would sign the victim in as them). */
const simpleBodies = (token: string) => [
  { 'content-type': 'text/plain', payload: JSON.stringify({ reason: 'cross-site', dryRun: false, token }) },
  { 'content-type': 'application/x-www-form-urlencoded', payload: `reason=cross-site&dryRun=false&token=${token}` },
  { 'content-type': 'multipart/form-data; boundary=x', payload: '--x\r\nContent-Disposition: form-data; name="reason"\r\n\r\ncross-site\r\n--x--\r\n' },
];

/** What the state-changing routes could alter, to check nothing did. */
const state = async () => ({
  gate: s.f.gate.mode,
  breakers: [...s.f.registry.breakers()].map((b) => `${b.name}:${b.state}`).join(','),
  backups: (await s.f.backups.list()).length,
  rules: s.f.alerts.list().length,
  letters: (await s.f.queue.list({ limit: 1000 })).length,
});

describe('cross-site requests on every state-changing route', () => {
  it('a simple cross-origin request with the session cookie is refused and changes nothing', async () => {
    const before = await state();
    const ops = s.operations.filter(changesState);
    expect(ops.length).toBeGreaterThan(15);
    for (const op of ops) {
      for (const { 'content-type': type, payload } of simpleBodies(s.tokens.viewer)) {
        const res = await s.app.inject({
          method: op.method.toUpperCase() as 'POST',
          url: s.url(op, () => 'exchange'),
          headers: { cookie, origin: 'https://attacker.example', referer: 'https://attacker.example/x', 'content-type': type },
          payload,
        });
        const what = `${op.method} ${op.path} (${type}) -> ${res.statusCode}`;
        expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, what).toBeLessThan(500);
        expect(res.headers['access-control-allow-origin'], what).toBeUndefined();
        expect(res.headers['set-cookie'], `${what}: no cookie set or cleared (login CSRF, forced logout)`).toBeUndefined();
      }
    }
    expect(await state()).toEqual(before);
    // The victim is still signed in: no cross-site logout went through.
    expect((await s.app.inject({ url: '/api/session', headers: { cookie } })).json()).toMatchObject({ kind: 'session', role: 'admin' });
  });

  it('a preflight from another origin gets no CORS grant', async () => {
    for (const op of s.operations.filter(changesState)) {
      const res = await s.app.inject({
        method: 'OPTIONS',
        url: s.url(op),
        headers: { origin: 'https://attacker.example', 'access-control-request-method': op.method.toUpperCase(), 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(res.headers['access-control-allow-origin'], `${op.method} ${op.path}`).toBeUndefined();
    }
  });
});

describe('forged Host headers on every route', () => {
  it('are refused with 421 before authentication or any handler, even with an admin token', async () => {
    const before = await state();
    const probes = new Set(['/livez', '/readyz']); // open whatever the Host: a cluster probes by pod address
    for (const op of s.operations) {
      if (probes.has(op.path) || op.path === '/api/events') continue;
      for (const host of ['attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io:80', 'localhost:1@attacker.example']) {
        const res = await s.app.inject({
          method: op.method.toUpperCase() as 'GET',
          url: s.url(op, () => 'exchange'),
          headers: { host, authorization: `Bearer ${s.tokens.admin}` },
          ...(changesState(op) ? { payload: { reason: 'rebound' } } : {}),
        });
        const what = `${op.method} ${op.path} Host ${host} -> ${res.statusCode}`;
        expect(res.statusCode, what).toBe(421);
        expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
      }
    }
    expect(await state()).toEqual(before);
  });
});
