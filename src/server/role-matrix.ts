/**
 * The role matrix of docs/security.md, made from what the routes declare: one row per permission,
 * the routes that need it, and which built-in role grants it. A test keeps the page equal to it.
 */
import { ALL_PERMISSIONS } from '../security/permissions.js';
import { BUILT_IN_ROLES } from '../security/roles.js';
import type { RouteEntry } from './app.js';

/** The routes per permission, `METHOD /url`, in registration order; HEAD goes with GET, and the 404s of components left out are not listed. */
export function routesByPermission(routes: readonly RouteEntry[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const route of routes) {
    const notConfigured = route.hidden && !route.url.startsWith('/docs');
    if (route.permission === undefined || route.method === 'HEAD' || notConfigured) continue;
    const list = by.get(route.permission) ?? [];
    const name = `${route.method} ${route.url}`;
    if (!list.includes(name)) list.push(name);
    by.set(route.permission, list);
  }
  return by;
}

/** A Markdown table: permission, its routes, viewer, operator, admin. */
export function roleMatrixMarkdown(routes: readonly RouteEntry[]): string {
  const by = routesByPermission(routes);
  const roles = Object.keys(BUILT_IN_ROLES) as Array<keyof typeof BUILT_IN_ROLES>;
  const lines = [`| Permission | Routes | ${roles.join(' | ')} |`, `|---|---|${roles.map(() => ':-:').join('|')}|`];
  for (const permission of ALL_PERMISSIONS) {
    const used = (by.get(permission) ?? []).map((r) => `\`${r}\``).join('<br>') || '(command line, other areas)';
    lines.push(`| \`${permission}\` | ${used} | ${roles.map((role) => (BUILT_IN_ROLES[role].has(permission) ? 'yes' : '')).join(' | ')} |`);
  }
  return lines.join('\n');
}
