/**
 * The named permissions of the ops API, `area:verb`, one per route (declared next to the route as
 * `config: { permission }`). Roles (roles.ts) are sets of these names; a name not listed here is a
 * configuration error, so a typo never grants or withholds anything silently.
 */

/** Every permission, with what it allows. Reads end in `:read`; everything else changes state or reveals secrets. */
export const PERMISSIONS = {
  'health:read': 'health checks and the health score (/health, /health/score)',
  'metrics:read': 'Prometheus metrics (/metrics)',
  'events:read': 'the overview, the timeline and the live event stream',
  'docs:read': 'the OpenAPI document and its page (/docs)',
  'breakers:read': 'circuit breakers: state and window figures',
  'breakers:write': 'reset, isolate and release circuit breakers',
  'limits:read': 'rate-limit usage and queues',
  'gate:read': 'the trading gate: mode, kill switch, conditions, history',
  'gate:halt': 'halt trading (the kill switch), here and fleet-wide',
  'gate:resume': 'release the kill switch, here and fleet-wide',
  'gate:acknowledge': 'acknowledge a rule-raised condition holding the gate',
  'orders:read': 'the order intent journal',
  'account:read': "exchange accounts' balances and open orders",
  'dead-letters:read': 'list and inspect dead letters',
  'dead-letters:replay': 'replay dead letters through the configured handler',
  'dead-letters:purge': 'delete dead letters',
  'backups:read': 'list backups',
  'backups:create': 'create a backup',
  'backups:restore': 'restore a backup (over HTTP: the dry run)',
  'alerts:read': 'alerts, their history and the alert rules',
  'alerts:write': 'add, change and delete alert rules',
  'analytics:read': 'SLOs with their error budgets and burn rates; incidents with MTBF and MTTR; tuning recommendations',
  'analytics:apply': 'apply a tuning recommendation live, and revert a policy changed live to the configuration file',
  'fleet:read': "the fleet's instances and its halt",
  'fleet:write': 'send one instance of the fleet a command',
  'region:read': "this region's role under the trading lease (active or passive), its holder, epoch and history",
  'region:release': "give this region's trading lease up (planned switchover: the other region takes over)",
  'failover:read': 'failover groups: endpoints, their state, routing and history',
  'failover:operate': 'drain, undrain and pin failover endpoints, force a priority, return to automatic routing',
  'chaos:read': 'fault proxies and their toxics (and chaos runs): list and read',
  'chaos:run': 'run chaos experiments (non-production); create, change and delete fault proxies and toxics',
  'config:read': "the service's effective configuration",
  'audit:read': 'the audit log: read, verify and export',
  'security:read': 'security events: failed logins, lockouts, detections',
  'tokens:admin': 'create, list and revoke API tokens and sessions',
  'secrets:admin': 'store, read back and rotate encrypted secrets',
} as const satisfies Record<string, string>;

export type Permission = keyof typeof PERMISSIONS;

/** Every permission name, in the order above (the role matrix's rows). */
export const ALL_PERMISSIONS: readonly Permission[] = Object.keys(PERMISSIONS) as Permission[];

const known: ReadonlySet<string> = new Set(ALL_PERMISSIONS);

export function isPermission(name: string): name is Permission {
  return known.has(name);
}

/** A read: granted to viewers and to unauthenticated loopback reads when those are open. */
export function isReadPermission(name: string): boolean {
  return name.endsWith(':read');
}
