import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createRegistry } from '../../src/policies/registry.js';
import { type ChainedEntry, type AuditLog, auditLog } from '../../src/security/audit-log.js';
import { type Principal } from '../../src/security/principal.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { type SqliteStorage, sqliteStorage } from '../../src/storage/sqlite.js';
import { tradingGate } from '../../src/trading/gate.js';
import { testKey } from '../security/audit-tampering.js';

let storage: SqliteStorage;
let audit: AuditLog;
let app: OpsApp;
let principal: Principal | undefined;

/** The next entry written, awaited on the audit log's own event (no waiting on the clock). */
function nextEntry(): Promise<ChainedEntry> {
  return new Promise((resolve) => {
    const off = audit.on('success', ({ entry }) => {
      off();
      resolve(entry);
    });
  });
}

beforeEach(async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  storage = await sqliteStorage({ path: ':memory:', clock });
  audit = await auditLog(storage, { key: testKey(), clock });
  const registry = createRegistry({ defaults: { clock } });
  registry.breaker('exchange');
  principal = undefined;
  app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), gate: tradingGate({ clock }), breakers: registry, audit, clock });
  // Stands in for authentication, which sets request.principal before any handler.
  app.addHook('onRequest', async (request) => {
    if (principal) request.principal = principal;
  });
});

afterEach(async () => {
  await app.close();
  await storage.close();
});

describe('recording state-changing requests', () => {
  it('records a halt with who, what, before and after, request id, source and tags', async () => {
    principal = { kind: 'token', name: 'desk-bot', role: 'operator', permissions: new Set(['gate:halt']) };
    const written = nextEntry();
    const res = await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'exchange outage' } });
    expect(res.statusCode).toBe(200);
    const entry = await written;
    expect(entry).toMatchObject({
      actor: 'desk-bot',
      actorKind: 'token',
      action: 'POST /api/gate/halt',
      target: 'trading-gate',
      before: { mode: 'active' },
      after: { mode: 'halted', reason: 'exchange outage' },
      requestId: expect.stringMatching(/.+/),
      source: '127.0.0.1',
      outcome: 'success',
      status: 200,
      tags: ['trading-control'],
    });
    expect((await audit.list())[0]?.seq).toBe(entry.seq);
  });

  it('records a refused request with its status, as anonymous without a principal', async () => {
    const written = nextEntry();
    const res = await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: '' } });
    expect(res.statusCode).toBe(400);
    expect(await written).toMatchObject({ actor: 'anonymous', actorKind: 'anonymous', action: 'POST /api/gate/halt', outcome: 'rejected', status: 400, before: null, after: null });
  });

  it('takes the target from route parameters and before/after from the breaker route', async () => {
    const written = nextEntry();
    await app.inject({ method: 'POST', url: '/api/breakers/exchange/isolate', payload: {} });
    expect(await written).toMatchObject({ action: 'POST /api/breakers/:name/isolate', target: 'exchange', before: { state: 'closed' }, after: { state: 'isolated' }, tags: ['trading-control'] });
  });

  it('records a request no route matched, by its path, and never copies a body', async () => {
    const written = nextEntry();
    await app.inject({ method: 'POST', url: '/api/nowhere?token=abc', payload: { password: 'hunter22-secret' } });
    const entry = await written;
    expect(entry).toMatchObject({ action: 'POST (no route)', target: '/api/nowhere', status: 404, outcome: 'rejected' });
    expect(JSON.stringify(await storage.all('SELECT * FROM audit_log'))).not.toContain('hunter22');
  });

  it('does not record reads', async () => {
    await app.inject({ method: 'GET', url: '/api/gate' });
    await app.close();
    expect(await audit.list()).toEqual([]);
  });
});

describe('/api/audit', () => {
  it('lists entries newest first with filters, and verifies the chain', async () => {
    for (const reason of ['one', 'two']) {
      const written = nextEntry();
      await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason } });
      await written;
    }
    const list = await app.inject({ method: 'GET', url: '/api/audit?action=POST%20/api/gate/halt&limit=1' });
    expect(list.statusCode).toBe(200);
    expect(list.json<ChainedEntry[]>().map((e) => e.seq)).toEqual([2]);
    expect((await app.inject({ method: 'GET', url: '/api/audit?actor=someone-else' })).json()).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/audit?since=2026-01-02T00:00:00Z' })).json()).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/audit?since=yesterday' })).statusCode).toBe(400);
    const verify = await app.inject({ method: 'GET', url: '/api/audit/verify' });
    expect(verify.json()).toMatchObject({ ok: true, entries: 2, broken: null });
    await storage.run("UPDATE audit_log SET actor = 'x' WHERE seq = 1");
    expect((await app.inject({ method: 'GET', url: '/api/audit/verify' })).json()).toMatchObject({ ok: false, broken: { seq: 1, kind: 'edited' } });
  });
});

describe('when the entry is written', () => {
  it('before the answer leaves: a caller told "halted" finds the halt in the log, even if the process dies next', async () => {
    const released: Array<() => void> = [];
    // The same log, with each append held until released: the answer must wait for it.
    const held: AuditLog = { ...audit, append: (record) => new Promise<void>((resolve) => released.push(resolve)).then(() => audit.append(record)) };
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const heldApp = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), gate: tradingGate({ clock }), audit: held, clock });
    let answered = false;
    const response = heldApp.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'outage' } }).then((res) => {
      answered = true;
      return res;
    });
    while (released.length === 0) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    released.splice(0).forEach((release) => release());
    expect((await response).statusCode).toBe(200);
    expect((await audit.list()).map((e) => e.action)).toContain('POST /api/gate/halt');
    await heldApp.close();
  });
});
