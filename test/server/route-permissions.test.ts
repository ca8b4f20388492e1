/**
 * Every route declares the one permission it needs, and that permission exists; only the probes,
 * the sign-in routes and the dashboard's files are open. The role matrix in docs/security.md is the
 * one the routes declare.
 */
import { ChaosExperiments } from '../../src/chaos/experiments/chaos-experiments.js';
import { defaultActivityRegistry } from '../../src/chaos/experiments/default-registry.js';
import { chaosRunStore } from '../../src/chaos/experiments/run-store.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionLease } from '../../src/failover/region-lease.js';
import { memoryRegionLeaseStore } from '../../src/failover/region-lease-memory.js';
import { faultProxies } from '../../src/chaos/proxy/proxies.js';
import { fleetControl } from '../../src/fleet/control.js';
import { auditLog } from '../../src/security/audit-log.js';
import { Lockout } from '../../src/security/lockout.js';
import { isPermission } from '../../src/security/permissions.js';
import { ThreatDetector } from '../../src/security/threats.js';
import { sessionStore } from '../../src/security/sessions.js';
import { authMigrations } from '../../src/security/token-migrations.js';
import { tokenStore } from '../../src/security/tokens.js';
import type { OpsApp, RouteEntry } from '../../src/server/app.js';
import { OPEN_ROUTES, isOpenRoute } from '../../src/server/auth.js';
import { roleMatrixMarkdown } from '../../src/server/role-matrix.js';
import { type SqliteStorage, sqliteStorage } from '../../src/storage/sqlite.js';
import { type Fixture, fixture } from './fixture.js';

let web: string;
let authStorage: SqliteStorage;
const redis = new Redis({ lazyConnect: true }); // never connects: the fleet's routes are only registered
const fixtures: Fixture[] = [];

beforeAll(async () => {
  web = await mkdtemp(join(tmpdir(), 'bulwark-web-'));
  await writeFile(join(web, 'index.html'), '<!doctype html><title>x</title>');
  authStorage = await sqliteStorage({ path: ':memory:' });
  await authStorage.migrate(authMigrations);
});

afterAll(async () => {
  for (const f of fixtures) await f.close();
  await authStorage.close();
  redis.disconnect();
  await rm(web, { recursive: true, force: true });
});

/** The app with every component (and the sign-in routes), or the fleet's gate instead of a local one. */
async function everyRoute(variant: 'local gate' | 'fleet gate'): Promise<OpsApp> {
  const tokens = tokenStore(authStorage);
  const f = await fixture({
    ...(variant === 'fleet gate' ? { omit: ['gate'] as const } : {}),
    app: { webRoot: web, bindTimeline: false, auth: { tokens, sessions: sessionStore(authStorage, { key: Buffer.alloc(32, 1), tokens }) } },
  });
  fixtures.push(f);
  return f.app;
}

async function allRoutes(): Promise<RouteEntry[]> {
  // The fleet, an account, the audit log, threat detection, a region lease, chaos experiments, analytics (and its advisor) and failover groups only add routes: built apart, since the fixture makes none of them.
  const [local, fleetGate] = await Promise.all([everyRoute('local gate'), everyRoute('fleet gate')]);
  const { buildApp } = await import('../../src/server/app.js');
  const fleet = fleetControl({ redis, fleet: 'f' });
  const f = fixtures[0]!;
  const audit = await auditLog(authStorage, { key: { derive: () => Buffer.alloc(32, 2) } });
  const account = { snapshot: async () => ({ exchange: 'x', at: 0, balances: {}, openOrders: [] }) };
  const threats = { detector: new ThreatDetector(), lockout: new Lockout() };
  const chaosExperiments = new ChaosExperiments({ registry: defaultActivityRegistry(), target: {}, store: await chaosRunStore(authStorage), guardrails: () => ({ chaosEnabled: true, liveTrading: false }) });
  const analytics = {
    slos: async () => [],
    listIncidents: async () => [],
    reliability: async (dependency: string, fromMs: number, toMs: number) => ({ dependency, fromMs, toMs, failures: 0, downtimeMs: 0, mttrMs: null, mtbfMs: null }),
    ruleGroups: () => [],
  };
  const region = regionLease({ region: 'a', store: memoryRegionLeaseStore() });
  const advice = { recommendations: async () => { throw new Error('not called'); }, apply: async () => ({ outcome: 'unknown' as const, message: 'not called' }) };
  const livePolicies = { keys: ['policies.timeout.ms'], overrides: () => [], history: () => [], set: () => undefined, revert: () => undefined };
  const withFleet = await buildApp({ ...f.components, fleet, account, audit, threats, region, analytics, advice, livePolicies, chaos: { proxies: faultProxies(), experiments: chaosExperiments }, failover: { groups: () => [] } }, { webRoot: web, bindTimeline: false });
  const routes = [...local.routeTable, ...fleetGate.routeTable, ...withFleet.routeTable];
  await withFleet.close();
  return routes;
}

describe('route permissions', () => {
  it('every route declares a known permission, except the probes, the sign-in routes and the dashboard files', async () => {
    const routes = await allRoutes();
    expect(routes.length).toBeGreaterThan(60);
    const undeclared = routes.filter((r) => r.permission === undefined && !isOpenRoute(r.url, undefined)).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    const unknown = routes.filter((r) => r.permission !== undefined && !isPermission(r.permission)).map((r) => `${r.method} ${r.url}: ${r.permission}`);
    expect(unknown).toEqual([]);
    // The open ones are exactly those: nothing else slipped in as open.
    const open = new Set(routes.filter((r) => r.permission === undefined).map((r) => r.url));
    const allowed = new Set([...OPEN_ROUTES, '/', '/*']);
    expect([...open].filter((url) => !allowed.has(url))).toEqual([]);
    expect(open.has('/livez') && open.has('/readyz') && open.has('/*')).toBe(true);
    // Writes never hide behind a read permission (the 404s of components left out answer every method).
    const writesAsReads = routes.filter((r) => ['POST', 'PUT', 'DELETE', 'PATCH'].includes(r.method) && r.permission?.endsWith(':read') && !r.hidden).map((r) => `${r.method} ${r.url}`);
    expect(writesAsReads).toEqual([]);
  });

  it('docs/security.md holds the role matrix the routes declare', async () => {
    const routes = await allRoutes();
    const page = await readFile(new URL('../../docs/security.md', import.meta.url), 'utf8');
    const match = /<!-- role-matrix:start -->\n([\s\S]*?)\n<!-- role-matrix:end -->/.exec(page);
    expect(match, 'docs/security.md: the role-matrix markers').not.toBeNull();
    if (process.env.BULWARK_WRITE_ROLE_MATRIX === '1') console.log(roleMatrixMarkdown(routes));
    expect(match![1]).toBe(roleMatrixMarkdown(routes));
  });
});
