/**
 * The security suite's server: every component (the fixture's, plus an account, the audit log,
 * threat detection with its lockout, chaos's fault proxies and experiments, a failover group and, when Redis answers, the fleet), authentication on, a token per built-in role, and the routes
 * read from the server's own OpenAPI document with the permission each declares.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { faultProxies } from '../../src/chaos/proxy/proxies.js';
import { ChaosExperiments } from '../../src/chaos/experiments/chaos-experiments.js';
import { defaultActivityRegistry } from '../../src/chaos/experiments/default-registry.js';
import { chaosRunStore } from '../../src/chaos/experiments/run-store.js';
import { simExchange } from '../../src/chaos/experiments/target.js';
import { createSimRouter } from '../../src/trading/sim/router.js';
import { fleetControl } from '../../src/fleet/control.js';
import { auditLog } from '../../src/security/audit-log.js';
import { lockout } from '../../src/security/lockout.js';
import { BUILT_IN_ROLES, resolveRoles } from '../../src/security/roles.js';
import { sessionStore } from '../../src/security/sessions.js';
import { threatDetector } from '../../src/security/threats.js';
import { authMigrations } from '../../src/security/token-migrations.js';
import { tokenStore } from '../../src/security/tokens.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { type Fixture, fixture } from '../server/fixture.js';
import { restGroup } from '../support/failover-groups.js';
import { deleteKeys, probeRedis, redisUrl } from '../support/services.js';

export type Role = keyof typeof BUILT_IN_ROLES;
export const ROLES = Object.keys(BUILT_IN_ROLES) as Role[];

/** One operation of the OpenAPI document, with what the server declares for it. */
export interface Operation {
  method: string;
  /** The document's path, `/api/breakers/{name}`. */
  path: string;
  /** The route's permission (undefined: an open route). */
  permission: string | undefined;
  params: Array<{ in: 'path' | 'query' | 'header'; name: string; schema: JsonSchema }>;
  /** The JSON body's schema, when the operation takes one. */
  body: JsonSchema | undefined;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  $ref?: string;
  [key: string]: unknown;
}

export interface EveryRoute {
  app: OpsApp;
  f: Fixture;
  /** A Bearer token per built-in role. */
  tokens: Record<Role, string>;
  operations: Operation[];
  /** The OpenAPI document itself (its components resolve `$ref`s). */
  doc: OpenApi;
  /** Whether the fleet's routes are in (Redis answered). */
  withFleet: boolean;
  /** A path with its parameters filled with `fill`. */
  url(op: Operation, fill?: (name: string) => string): string;
  close(): Promise<void>;
}

const STATE_CHANGING = new Set(['post', 'put', 'patch', 'delete']);
export const changesState = (op: Operation): boolean => STATE_CHANGING.has(op.method);

export async function everyRoute(): Promise<EveryRoute> {
  const web = await mkdtemp(join(tmpdir(), 'bulwark-suite-web-'));
  await writeFile(join(web, 'index.html'), '<!doctype html><title>dashboard</title>');
  const storage = await sqliteStorage({ path: ':memory:' });
  await storage.migrate(authMigrations);
  const roles = resolveRoles({});
  const tokenRows = tokenStore(storage, { scryptN: 2 ** 10, roles });
  const sessions = sessionStore(storage, { key: Buffer.alloc(32, 3), tokens: tokenRows });
  const f = await fixture({ app: { webRoot: web, bindTimeline: false } });
  const audit = await auditLog(storage, { key: { derive: () => Buffer.alloc(32, 2) } });
  const account = { snapshot: async () => ({ exchange: 'x', at: 0, balances: {}, openOrders: [] }) };

  const withFleet = await probeRedis().then(() => true, () => false);
  const prefix = `h_suite:${randomUUID()}:`;
  const redis = withFleet ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  const fleet = redis ? { fleet: fleetControl({ redis, fleet: 'suite', prefix }) } : {};

  // The fuzz sends a few bad credentials among thousands of cases from one address: the lockout's waits are tested in test/security.
  const failing = lockout({ clock: f.clock, freeAttempts: 1_000_000 });
  const threats = { detector: threatDetector({ clock: f.clock, audit, lockout: failing }), lockout: failing };

  const proxies = faultProxies({ clock: f.clock });
  // Experiments against an in-memory simulator on the fixture's clock: a run the suite starts waits for a clock that never moves.
  const sim = createSimRouter({ clock: f.clock });
  const experiments = new ChaosExperiments({
    registry: defaultActivityRegistry(),
    target: { gate: f.gate, exchange: simExchange(sim) },
    store: await chaosRunStore(storage),
    guardrails: () => ({ chaosEnabled: true, liveTrading: false }),
    clock: f.clock,
  });

  // A failover group of three hosts (api1, api2, api3): its controls are routes like any other.
  const group = restGroup(f.clock);
  const app = await buildApp({ ...f.components, ...fleet, account, audit, threats, chaos: { proxies, experiments }, failover: { groups: () => [group] } }, {
    webRoot: web,
    bindTimeline: false,
    auth: { tokens: tokenRows, sessions, roles, enabled: true, listensOnLoopback: false },
    // The suite sends many changes from one address: limits are tested in hardening/state-change-limits.
    http: { rateLimit: { perPrincipal: { burst: 1_000_000 }, perSource: { burst: 1_000_000 } } },
  });
  await app.ready();

  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) tokens[role] = (await tokenRows.create({ name: `${role}-suite`, role })).token;

  const doc = (await app.inject({ url: '/docs/openapi.json', headers: { authorization: `Bearer ${tokens.viewer}` } })).json() as OpenApi;
  const permissions = new Map(app.routeTable.map((r) => [`${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`, r.permission]));
  const operations: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const key = `${method} ${path}`;
      if (!permissions.has(key)) throw new Error(`${key}: in the OpenAPI document but not in the route table`);
      operations.push({
        method,
        path,
        permission: permissions.get(key),
        params: (op.parameters ?? []) as Operation['params'],
        body: op.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined,
      });
    }
  }

  return {
    app,
    f,
    tokens,
    operations,
    doc,
    withFleet,
    url: (op, fill = () => 'x') => op.path.replace(/\{(\w+)\}/g, (_m, name: string) => fill(name)),
    async close() {
      await app.close();
      await experiments.close();
      await proxies.close();
      await f.close();
      await storage.close();
      if (redis) {
        await deleteKeys(redis, prefix);
        redis.disconnect();
      }
      await rm(web, { recursive: true, force: true });
    },
  };
}

export interface OpenApi {
  components?: { schemas?: Record<string, JsonSchema> };
  paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
}
