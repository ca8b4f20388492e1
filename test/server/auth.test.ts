/**
 * Authentication and roles over HTTP (fastify inject): 401 without credentials, 403 naming the
 * missing permission, every route against every built-in role, the session cookie's flags, CSRF,
 * session expiry on a ManualClock, the demo's sign-in link, and the settings (auto, loopback reads,
 * open metrics).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { BUILT_IN_ROLES, resolveRoles } from '../../src/security/roles.js';
import { SESSION_DEFAULTS, sessionStore } from '../../src/security/sessions.js';
import { authMigrations } from '../../src/security/token-migrations.js';
import { type TokenStore, tokenStore } from '../../src/security/tokens.js';
import type { AuthOptions } from '../../src/server/auth.js';
import { AUTH_DEFAULTS } from '../../src/server/auth.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { type Fixture, fixture } from './fixture.js';

interface Setup {
  f: Fixture;
  tokens: TokenStore;
  clock: ManualClock;
  token(role: string): Promise<string>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(auth: Partial<AuthOptions> = {}, roles: Parameters<typeof resolveRoles>[0] = {}): Promise<Setup> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const storage = await sqliteStorage({ path: ':memory:' });
  await storage.migrate(authMigrations);
  const roleSet = resolveRoles(roles);
  const tokens = tokenStore(storage, { clock, scryptN: 2 ** 10, roles: roleSet });
  const sessions = sessionStore(storage, { key: Buffer.alloc(32, 3), tokens, clock });
  const web = await mkdtemp(join(tmpdir(), 'bulwark-web-'));
  await writeFile(join(web, 'index.html'), '<!doctype html><title>dashboard</title>');
  const f = await fixture({ app: { webRoot: web, auth: { tokens, sessions, roles: roleSet, clock, enabled: true, ...auth } } });
  cleanups.push(async () => {
    await f.close();
    await storage.close();
    await rm(web, { recursive: true, force: true });
  });
  return { f, tokens, clock, token: async (role) => (await tokens.create({ name: `${role}-user`, role })).token };
}

/** The token with its last character changed (always a different token: a fixed replacement could equal it). */
const tamper = (token: string): string => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('refusals', () => {
  it('no credentials: 401 problem+json with WWW-Authenticate: Bearer; probes stay open', async () => {
    const { f } = await setup();
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'x' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="bulwark"');
    expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(f.gate.status.mode).toBe('active');
    for (const url of ['/api/overview', '/metrics', '/health', '/docs/openapi.json']) expect((await f.app.inject({ url })).statusCode).toBe(401);
    expect((await f.app.inject({ url: '/livez' })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/' })).statusCode).toBe(200); // the dashboard's page: it asks for a token itself
  });

  it('a bad token: 401 with error="invalid_token"', async () => {
    const { f, token } = await setup();
    const good = await token('admin');
    for (const sent of [tamper(good), 'bwk_nope', '']) {
      const res = await f.app.inject({ url: '/api/gate', headers: { authorization: `Bearer ${sent}` } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  it('a role without the permission: 403 naming it; with it: allowed', async () => {
    const { f, token } = await setup();
    const viewer = await token('viewer');
    const operator = await token('operator');
    const admin = await token('admin');
    expect((await f.app.inject({ url: '/api/gate', headers: bearer(viewer) })).statusCode).toBe(200);
    const refused = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: bearer(viewer), payload: { reason: 'x' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toBe('this request needs permission "gate:halt", which role "viewer" does not grant');
    expect(f.gate.status.mode).toBe('active');
    const halted = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: bearer(operator), payload: { reason: 'incident' } });
    expect(halted.statusCode).toBe(200);
    expect(f.gate.status.mode).toBe('halted');
    expect((await f.app.inject({ method: 'POST', url: '/api/backups', headers: bearer(operator), payload: {} })).json().detail).toContain('"backups:create"');
    expect((await f.app.inject({ method: 'POST', url: '/api/backups', headers: bearer(admin), payload: {} })).statusCode).toBe(201);
  });

  it('health details (messages, score reasons) only for a caller with a token or a session', async () => {
    const { f, token } = await setup({ listensOnLoopback: true });
    const local = (await f.app.inject({ url: '/health/score' })).json();
    expect(Object.keys(local).sort()).toEqual(['groups', 'score']);
    const withToken = (await f.app.inject({ url: '/health/score', headers: bearer(await token('viewer')) })).json();
    expect(withToken).toHaveProperty('reasons');
  });

  it('a custom role from the config grants exactly its permissions', async () => {
    const { f, token } = await setup({}, { breakerdesk: ['breakers:*'] });
    const t = await token('breakerdesk');
    expect((await f.app.inject({ method: 'POST', url: '/api/breakers/exchange/reset', headers: bearer(t), payload: {} })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/api/gate', headers: bearer(t) })).statusCode).toBe(403);
  });

  it('every route against every built-in role: 403 exactly when the role lacks the route\'s permission', async () => {
    const { f, token } = await setup();
    const tokens = { viewer: await token('viewer'), operator: await token('operator'), admin: await token('admin') };
    const routes = f.app.routeTable.filter((r) => r.permission !== undefined && !r.hidden && r.method !== 'HEAD' && r.url !== '/api/events');
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      for (const [role, t] of Object.entries(tokens) as Array<[keyof typeof BUILT_IN_ROLES, string]>) {
        const url = route.url.replace(/:(\w+)/g, 'x');
        const res = await f.app.inject({ method: route.method as 'GET', url, headers: bearer(t), ...(route.method === 'GET' ? {} : { payload: {} }) });
        const granted = BUILT_IN_ROLES[role].has(route.permission as never);
        const what = `${role} ${route.method} ${route.url} -> ${res.statusCode}`;
        if (granted) expect([401, 403].includes(res.statusCode), what).toBe(false);
        else expect(res.statusCode, what).toBe(403);
      }
    }
  });
});

describe('settings', () => {
  it('loopbackReads: reads from loopback pass as `local` on a loopback listener only; changes still need a token', async () => {
    const local = await setup({ listensOnLoopback: true });
    expect((await local.f.app.inject({ url: '/api/gate' })).statusCode).toBe(200);
    expect((await local.f.app.inject({ url: '/metrics' })).statusCode).toBe(200);
    expect((await local.f.app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'x' } })).statusCode).toBe(401);
    expect((await local.f.app.inject({ url: '/api/gate', remoteAddress: '10.0.0.5' })).statusCode).toBe(401);
    const exposed = await setup({ listensOnLoopback: false });
    expect((await exposed.f.app.inject({ url: '/api/gate' })).statusCode).toBe(401);
    const off = await setup({ listensOnLoopback: true, loopbackReads: false });
    expect((await off.f.app.inject({ url: '/api/gate' })).statusCode).toBe(401);
  });

  it('openMetrics: /metrics without credentials, nothing else', async () => {
    const { f } = await setup({ openMetrics: true });
    expect((await f.app.inject({ url: '/metrics', remoteAddress: '10.0.0.5' })).statusCode).toBe(200);
    expect((await f.app.inject({ url: '/health', remoteAddress: '10.0.0.5' })).statusCode).toBe(401);
  });

  it('enabled: auto is open until a token exists, then enforced', async () => {
    const { f, tokens, clock } = await setup({ enabled: 'auto' });
    expect((await f.app.inject({ method: 'POST', url: '/api/breakers/exchange/reset', payload: {} })).statusCode).toBe(200);
    await tokens.create({ name: 'first', role: 'admin' });
    await clock.advance(AUTH_DEFAULTS.autoRecheckMs);
    expect((await f.app.inject({ method: 'POST', url: '/api/breakers/exchange/reset', payload: {} })).statusCode).toBe(401);
  });

  it('enabled: false lets every request act with every permission', async () => {
    const { f } = await setup({ enabled: false });
    expect((await f.app.inject({ method: 'POST', url: '/api/backups', payload: {} })).statusCode).toBe(201);
  });
});

/** The cookies of a Set-Cookie answer as `name=value` for a Cookie header, and the raw lines. */
function cookiesOf(res: { headers: Record<string, unknown> }): { header: string; lines: string[]; value(name: string): string } {
  const raw = res.headers['set-cookie'];
  const lines = (Array.isArray(raw) ? raw : [raw]).filter((l): l is string => typeof l === 'string');
  const pairs = lines.map((l) => l.split(';')[0]!);
  return { header: pairs.join('; '), lines, value: (name) => pairs.find((p) => p.startsWith(`${name}=`))!.slice(name.length + 1) };
}

describe('dashboard sessions', () => {
  it('login sets an HttpOnly SameSite=Strict session cookie (Secure only over TLS) and answers the CSRF token', async () => {
    const { f, token } = await setup();
    const t = await token('operator');
    const res = await f.app.inject({ method: 'POST', url: '/api/login', payload: { token: t } });
    expect(res.statusCode).toBe(200);
    const c = cookiesOf(res);
    const session = c.lines.find((l) => l.startsWith('bulwark_session='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).not.toMatch(/Secure/);
    expect(session).toContain(`Max-Age=${SESSION_DEFAULTS.maxMs / 1000}`);
    expect(c.lines.find((l) => l.startsWith('bulwark_csrf='))).not.toMatch(/HttpOnly/);
    expect(res.json()).toMatchObject({ name: 'operator-user', role: 'operator', csrfToken: c.value('bulwark_csrf') });
    expect(JSON.stringify(res.json())).not.toContain(c.value('bulwark_session'));

    const tls = await setup({ secureCookies: true });
    const secure = await tls.f.app.inject({ method: 'POST', url: '/api/login', payload: { token: await tls.token('viewer') } });
    expect(cookiesOf(secure).lines.every((l) => l.includes('; Secure'))).toBe(true);

    const wrong = await f.app.inject({ method: 'POST', url: '/api/login', payload: { token: tamper(t) } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('CSRF: a change made with the cookie needs X-CSRF-Token; a Bearer request needs none', async () => {
    const { f, token } = await setup();
    const t = await token('operator');
    const c = cookiesOf(await f.app.inject({ method: 'POST', url: '/api/login', payload: { token: t } }));
    expect((await f.app.inject({ url: '/api/gate', headers: { cookie: c.header } })).statusCode).toBe(200);
    const forged = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { cookie: c.header }, payload: { reason: 'forged' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().detail).toMatch(/x-csrf-token/);
    const wrong = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { cookie: c.header, 'x-csrf-token': 'A'.repeat(43) }, payload: { reason: 'forged' } });
    expect(wrong.statusCode).toBe(403);
    expect(f.gate.status.mode).toBe('active');
    const ok = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { cookie: c.header, 'x-csrf-token': c.value('bulwark_csrf') }, payload: { reason: 'real' } });
    expect(ok.statusCode).toBe(200);
    expect((await f.app.inject({ method: 'POST', url: '/api/gate/resume', headers: bearer(t), payload: {} })).statusCode).toBe(200);
  });

  it('logout ends the session; an idle session and an old one end by themselves', async () => {
    const { f, token, clock } = await setup();
    const t = await token('viewer');
    const login = async () => cookiesOf(await f.app.inject({ method: 'POST', url: '/api/login', payload: { token: t } }));
    const a = await login();
    expect((await f.app.inject({ url: '/api/session', headers: { cookie: a.header } })).json()).toMatchObject({ kind: 'session', name: 'viewer-user', role: 'viewer', csrfToken: a.value('bulwark_csrf') });
    const out = await f.app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: a.header, 'x-csrf-token': a.value('bulwark_csrf') } });
    expect(out.statusCode).toBe(204);
    expect(cookiesOf(out).lines.every((l) => l.includes('Max-Age=0'))).toBe(true);
    expect((await f.app.inject({ url: '/api/gate', headers: { cookie: a.header } })).statusCode).toBe(401);

    const idle = await login();
    await clock.advance(SESSION_DEFAULTS.idleMs + 1);
    expect((await f.app.inject({ url: '/api/gate', headers: { cookie: idle.header } })).statusCode).toBe(401);

    const busy = await login();
    for (let elapsed = 0; elapsed < SESSION_DEFAULTS.maxMs; elapsed += SESSION_DEFAULTS.idleMs / 2) {
      expect((await f.app.inject({ url: '/api/gate', headers: { cookie: busy.header } })).statusCode).toBe(200);
      await clock.advance(SESSION_DEFAULTS.idleMs / 2);
    }
    expect((await f.app.inject({ url: '/api/gate', headers: { cookie: busy.header } })).statusCode).toBe(401);
  });

  it('the sign-in link /?token= sets the session cookie and redirects to / without the token; a bad one signs nobody in', async () => {
    const { f, token } = await setup();
    const t = await token('admin');
    const res = await f.app.inject({ url: `/?token=${t}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    const c = cookiesOf(res);
    expect(c.lines.find((l) => l.startsWith('bulwark_session='))).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await f.app.inject({ method: 'POST', url: '/api/backups', headers: { cookie: c.header, 'x-csrf-token': c.value('bulwark_csrf') }, payload: {} })).statusCode).toBe(201);
    const bad = await f.app.inject({ url: `/?token=${tamper(t)}` });
    expect(bad.statusCode).toBe(303);
    expect(bad.headers['set-cookie']).toBeUndefined();
  });
});

describe('who acts', () => {
  it("an authenticated request acts as its token's name; an actor it claims (body or header) is not believed", async () => {
    const { f, token } = await setup();
    const t = await token('operator');
    const res = await f.app.inject({ method: 'POST', url: '/api/gate/halt', headers: { ...bearer(t), 'x-bulwark-actor': 'mallory' }, payload: { reason: 'who acts', actor: 'someone-else' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().killedBy).toMatchObject({ actor: 'operator-user', reason: 'who acts' });
  });
});
