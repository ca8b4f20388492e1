import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AlertEngine } from '../../src/observe/alerts/engine.js';
import { registrySource } from '../../src/observe/alerts/source.js';
import { createMetrics, metricNames } from '../../src/observe/metrics.js';
import { type AuditLog, auditLog } from '../../src/security/audit-log.js';
import { Lockout } from '../../src/security/lockout.js';
import type { Principal } from '../../src/security/principal.js';
import { ThreatDetector } from '../../src/security/threats.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { type SqliteStorage, sqliteStorage } from '../../src/storage/sqlite.js';
import { tradingGate } from '../../src/trading/gate.js';
import { testKey } from '../security/audit-tampering.js';

let clock: ManualClock;
let storage: SqliteStorage;
let audit: AuditLog;
let app: OpsApp;
let alerts: AlertEngine;
let detector: ThreatDetector;
let lockout: Lockout;
/** Token checks the stand-in authentication made (each would be a slow hash). */
let verifications: number;

const ALICE: Principal = { kind: 'token', name: 'alice', role: 'admin', permissions: new Set(['gate:halt', 'gate:resume', 'security:read']) };

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 11, 7, 10));
  storage = await sqliteStorage({ path: ':memory:', clock });
  audit = await auditLog(storage, { key: testKey(), clock });
  const metrics = createMetrics({ defaultMetrics: false });
  alerts = new AlertEngine({ source: registrySource(metrics.registry), clock });
  lockout = new Lockout({ clock, freeAttempts: 2, baseDelayMs: 1_000, bruteForceFailures: 3, bruteForceWindowMs: 60_000 });
  detector = new ThreatDetector({ clock, audit, lockout, rules: { killSwitchRelease: { withinMs: 300_000 } } });
  verifications = 0;
  app = await buildApp({ metrics, gate: tradingGate({ clock }), audit, alerts, threats: { detector, lockout }, clock });
  // Stands in for authentication (registered after buildApp's hooks, as the real one is).
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (header === undefined) return;
    verifications += 1;
    if (header === 'Bearer good') request.principal = ALICE;
    else return reply.code(401).send({ detail: 'bad token' });
  });
});

afterEach(async () => {
  await app.close();
  await detector.close();
  await storage.close();
});

const bad = (remoteAddress = '198.51.100.7') => app.inject({ method: 'GET', url: '/api/security/threats', headers: { authorization: 'Bearer nope' }, remoteAddress });
const good = (remoteAddress = '198.51.100.7') => app.inject({ method: 'GET', url: '/api/security/threats', headers: { authorization: 'Bearer good' }, remoteAddress });

describe('lockout over HTTP', () => {
  it('after the free attempts a source gets 429 problem+json with Retry-After, without its token being checked', async () => {
    expect((await bad()).statusCode).toBe(401);
    expect((await bad()).statusCode).toBe(401);
    expect((await bad()).statusCode).toBe(401); // the third failure starts a 1 s wait
    const before = verifications;
    const locked = await good();
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBe('1');
    expect(locked.headers['content-type']).toContain('application/problem+json');
    expect(locked.json()).toMatchObject({ status: 429, detail: expect.stringContaining('try again in 1 s') });
    expect(verifications).toBe(before);
    // Another address is not affected; after the wait the source may try again.
    expect((await good('203.0.113.1')).statusCode).toBe(200);
    await clock.advance(1_000);
    expect((await good()).statusCode).toBe(200);
  });

  it('a request without a credential is not refused by the lockout, and a success wipes the count', async () => {
    await bad();
    await bad();
    expect((await good()).statusCode).toBe(200);
    await bad();
    await bad();
    expect((await good()).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) await bad();
    expect((await app.inject({ method: 'GET', url: '/livez', remoteAddress: '198.51.100.7' })).statusCode).toBe(200);
  });

  it('brute force raises the SecurityBruteForce alert and a security.brute-force audit entry; the API lists the finding and the lockout', async () => {
    for (let i = 0; i < 3; i++) await bad();
    await detector.settled();
    await alerts.evaluate();
    expect(alerts.get('SecurityBruteForce')?.state).toBe('firing');
    expect(alerts.get('SecurityOrderRate')?.state).toBe('inactive');
    const [entry] = await audit.list({ action: 'security.brute-force' });
    expect(entry).toMatchObject({ actor: '198.51.100.7', tags: ['access-control'] });
    const body = (await good('203.0.113.1')).json();
    expect(body.findings).toEqual([expect.objectContaining({ rule: 'brute-force', source: '198.51.100.7' })]);
    expect(body.lockouts).toEqual([expect.objectContaining({ source: '198.51.100.7', failures: 3 })]);
    expect(body.rules).toContain('kill-switch-release');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain(`${metricNames.securityThreats}{rule="brute-force"} 1`);
    expect(metrics.body).toContain(`${metricNames.securityLockouts} 1`);
  });
});

describe('detection over HTTP', () => {
  it('a kill switch released a minute after the halt fires SecurityKillSwitchReleased and is audited as security.threat', async () => {
    const headers = { authorization: 'Bearer good' };
    expect((await app.inject({ method: 'POST', url: '/api/gate/halt', headers, payload: { reason: 'drill' } })).statusCode).toBe(200);
    await clock.advance(60_000);
    expect((await app.inject({ method: 'POST', url: '/api/gate/resume', headers, payload: {} })).statusCode).toBe(200);
    await detector.settled();
    await alerts.evaluate();
    expect(alerts.get('SecurityKillSwitchReleased')?.state).toBe('firing');
    const [entry] = await audit.list({ action: 'security.threat' });
    expect(entry).toMatchObject({ target: 'kill-switch-release', after: expect.objectContaining({ actor: 'alice' }) });
    // The alert resolves once the finding is older than the hold time.
    await clock.advance(detector.alertHoldMs);
    await alerts.evaluate();
    expect(alerts.get('SecurityKillSwitchReleased')?.state).toBe('inactive');
  });

  it('a token used from a second address is reported; the same address again is not', async () => {
    await good('10.0.0.1');
    await good('10.0.0.1');
    await detector.settled();
    expect(detector.findings()).toEqual([]);
    await good('10.0.0.2');
    await detector.settled();
    expect(detector.findings()).toEqual([expect.objectContaining({ rule: 'new-token-address', actor: 'alice', source: '10.0.0.2' })]);
  });
});
