/**
 * Roles: named sets of permissions. Three are built in (viewer, operator, admin); a deployment adds
 * its own in the config (`security.auth.roles`), each a list of permissions or a role it inherits
 * plus permissions. `area:*` names every permission of an area. Unknown permissions, unknown
 * parents and inheritance cycles are refused with the key that holds them.
 */
import { ALL_PERMISSIONS, type Permission, isPermission, isReadPermission } from './permissions.js';

/** A custom role as the config writes it: a list, or a parent and additions. */
export type RoleSpec = readonly string[] | { readonly inherits?: string; readonly permissions?: readonly string[] };

/** Reads that are not for every viewer: the configuration can name hosts, files and users. */
const VIEWER_EXCLUDED: ReadonlySet<Permission> = new Set(['config:read']);

const viewer: readonly Permission[] = ALL_PERMISSIONS.filter((p) => isReadPermission(p) && !VIEWER_EXCLUDED.has(p));

const operatorExtra: readonly Permission[] = ['gate:halt', 'gate:resume', 'gate:acknowledge', 'breakers:write', 'dead-letters:replay', 'fleet:write', 'region:release', 'chaos:run', 'failover:operate', 'analytics:apply'];

/** The built-in roles; a custom role may not reuse these names. */
export const BUILT_IN_ROLES: Readonly<Record<'viewer' | 'operator' | 'admin', ReadonlySet<Permission>>> = Object.freeze({
  // Read everything an operator watches; no secrets, no configuration, no changes.
  viewer: new Set(viewer),
  // A viewer who can stop and restart trading and act on breakers, dead letters, the fleet, the region lease, chaos runs, failover routing and tuning.
  operator: new Set([...viewer, ...operatorExtra]),
  // Everything: tokens, backups and restores, configuration, alert rules, purges, secrets.
  admin: new Set(ALL_PERMISSIONS),
});

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** Role name -> its permissions. */
export type RoleSet = ReadonlyMap<string, ReadonlySet<Permission>>;

/** One problem in `security.auth.roles`: the path under it and why. */
export interface RoleIssue {
  path: Array<string | number>;
  message: string;
}

export const ROLE_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** The permissions a name in a role stands for: itself, or every permission of `area:*`. */
function expand(name: string): Permission[] | undefined {
  if (isPermission(name)) return [name];
  const wildcard = /^([a-z-]+):\*$/.exec(name);
  if (!wildcard) return undefined;
  const found = ALL_PERMISSIONS.filter((p) => p.startsWith(`${wildcard[1]}:`));
  return found.length > 0 ? found : undefined;
}

/** Every issue with the custom roles (empty when they are valid). */
export function roleIssues(specs: Readonly<Record<string, RoleSpec>>): RoleIssue[] {
  return resolve(specs).issues;
}

/** The built-in roles and the custom ones; throws a RangeError naming the first bad key. */
export function resolveRoles(specs: Readonly<Record<string, RoleSpec>> = {}): RoleSet {
  const { roles, issues } = resolve(specs);
  const first = issues[0];
  if (first) throw new RangeError(`security.auth.roles.${first.path.join('.')}: ${first.message}`);
  return roles;
}

function resolve(specs: Readonly<Record<string, RoleSpec>>): { roles: Map<string, ReadonlySet<Permission>>; issues: RoleIssue[] } {
  const roles = new Map<string, ReadonlySet<Permission>>(Object.entries(BUILT_IN_ROLES));
  const issues: RoleIssue[] = [];
  const resolving = new Set<string>();
  const visit = (name: string): ReadonlySet<Permission> | undefined => {
    const done = roles.get(name);
    if (done) return done;
    const spec = specs[name];
    if (spec === undefined) return undefined;
    if (resolving.has(name)) {
      issues.push({ path: [name, 'inherits'], message: `inheritance cycle through "${name}"` });
      return undefined;
    }
    resolving.add(name);
    const list = Array.isArray(spec) ? (spec as readonly string[]) : ((spec as { permissions?: readonly string[] }).permissions ?? []);
    const parent = Array.isArray(spec) ? undefined : (spec as { inherits?: string }).inherits;
    const set = new Set<Permission>();
    if (parent !== undefined) {
      const inherited = visit(parent);
      if (inherited) inherited.forEach((p) => set.add(p));
      else if (!resolving.has(parent)) issues.push({ path: [name, 'inherits'], message: `no role named "${parent}" (roles: ${[...Object.keys(BUILT_IN_ROLES), ...Object.keys(specs)].join(', ')})` });
    }
    list.forEach((permission, i) => {
      const expanded = expand(permission);
      if (expanded) expanded.forEach((p) => set.add(p));
      else issues.push({ path: Array.isArray(spec) ? [name, i] : [name, 'permissions', i], message: `unknown permission "${permission}" (see docs/security.md for the list)` });
    });
    resolving.delete(name);
    const frozen: ReadonlySet<Permission> = set;
    roles.set(name, frozen);
    return frozen;
  };
  for (const name of Object.keys(specs)) {
    if (name in BUILT_IN_ROLES) {
      issues.push({ path: [name], message: `"${name}" is a built-in role; give a custom role its own name` });
      continue;
    }
    if (!ROLE_NAME.test(name)) {
      issues.push({ path: [name], message: 'a role name: 1-40 lower-case letters, digits, _ or -, starting with a letter' });
      continue;
    }
    visit(name);
  }
  return { roles, issues };
}
