/**
 * The lockout in front of the real authentication (API tokens hashed with scrypt, dashboard
 * sessions): bad Bearer tokens and refused sign-ins lock their source out, a locked-out source is
 * answered 429 without its token being verified, and a token used from a second address is reported.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { Lockout } from '../../src/security/lockout.js';
import { sessionStore } from '../../src/security/sessions.js';
import { ThreatDetector } from '../../src/security/threats.js';
import { authMigrations } from '../../src/security/token-migrations.js';
import { type TokenStore, tokenStore } from '../../src/security/tokens.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { type SqliteStorage, sqliteStorage } from '../../src/storage/sqlite.js';

let clock: ManualClock;
let storage: SqliteStorage;
let web: string;
let app: OpsApp;
let detector: ThreatDetector;
let tokens: TokenStore;
let verified: number;
let admin: string;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  storage = await sqliteStorage({ path: ':memory:' });
  await storage.migrate(authMigrations);
  const real = tokenStore(storage, { clock, scryptN: 2 ** 10 });
  verified = 0;
  // Counts every token check: each is a slow hash in production.
  tokens = { ...real, verify: (token: string) => ((verified += 1), real.verify(token)) } as TokenStore;
  admin = (await real.create({ name: 'desk', role: 'admin' })).token;
  const sessions = sessionStore(storage, { key: Buffer.alloc(32, 3), tokens, clock });
  web = await mkdtemp(join(tmpdir(), 'bulwark-web-'));
  await writeFile(join(web, 'index.html'), '<!doctype html><title>dashboard</title>');
  const lockout = new Lockout({ clock, freeAttempts: 2, baseDelayMs: 1_000, bruteForceFailures: 4, bruteForceWindowMs: 60_000 });
  detector = new ThreatDetector({ clock, lockout });
  app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), threats: { detector, lockout }, clock }, { webRoot: web, auth: { tokens, sessions, clock, enabled: true } });
});

afterEach(async () => {
  await app.close();
  await detector.close();
  await storage.close();
  await rm(web, { recursive: true, force: true });
});

const threats = (token: string, remoteAddress = '198.51.100.9') => app.inject({ url: '/api/security/threats', headers: { authorization: `Bearer ${token}` }, remoteAddress });

describe('lockout with authentication', () => {
  it('bad tokens lock the source out: 429 with Retry-After, the token not verified, until the wait is over', async () => {
    for (let i = 0; i < 3; i++) expect((await threats('bwk_wrong')).statusCode).toBe(401);
    const before = verified;
    const res = await threats(admin);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(verified).toBe(before);
    expect((await threats(admin, '203.0.113.5')).statusCode).toBe(200);
    await clock.advance(1_000);
    expect((await threats(admin)).statusCode).toBe(200);
  });

  it('refused sign-ins count as failed-login; brute force is reported with the source', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { token: 'bwk_wrong' }, remoteAddress: '198.51.100.9' });
      expect(res.statusCode).toBe(401);
    }
    const locked = await app.inject({ method: 'POST', url: '/api/login', payload: { token: admin }, remoteAddress: '198.51.100.9' });
    expect(locked.statusCode).toBe(429);
    await clock.advance(1_000);
    expect((await app.inject({ method: 'POST', url: '/api/login', payload: { token: 'bwk_wrong' }, remoteAddress: '198.51.100.9' })).statusCode).toBe(401);
    const body = (await threats(admin, '203.0.113.5')).json();
    expect(body.findings).toEqual([expect.objectContaining({ rule: 'brute-force', source: '198.51.100.9', detail: expect.objectContaining({ kind: 'failed-login' }) })]);
    expect(body.lockouts).toEqual([expect.objectContaining({ source: '198.51.100.9', lastKind: 'failed-login' })]);
  });

  it('the sign-in link with a bad token counts as a failure (it answers 303 either way); a good one wipes the count', async () => {
    const link = (token: string) => app.inject({ url: `/?token=${token}`, remoteAddress: '198.51.100.9' });
    expect((await link('bwk_wrong')).statusCode).toBe(303);
    expect((await link('bwk_wrong')).statusCode).toBe(303);
    expect((await link(admin)).headers['set-cookie']).toBeDefined();
    for (let i = 0; i < 3; i++) await link('bwk_wrong');
    expect((await link(admin)).statusCode).toBe(429);
  });

  it('a token used from a second address is reported as new-token-address', async () => {
    await threats(admin, '10.0.0.1');
    await threats(admin, '10.0.0.2');
    await detector.settled();
    expect(detector.findings()).toEqual([expect.objectContaining({ rule: 'new-token-address', actor: 'desk', source: '10.0.0.2' })]);
  });
});
