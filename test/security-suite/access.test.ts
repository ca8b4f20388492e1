/**
 * Access to every route of the OpenAPI document, on a server with every component and
 * authentication on: without credentials 401 (the probes and sign-in routes excepted), and with
 * each built-in role 403 exactly when the role lacks the permission the route declares. The
 * fixture-only variant of the role check, with custom roles, sessions and CSRF, is in
 * test/server/auth.test.ts; this one walks the published document, fleet, account and audit
 * routes included, so a route added to the API is covered without editing a list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES } from '../../src/security/roles.js';
import { OPEN_ROUTES } from '../../src/server/auth.js';
import { type EveryRoute, ROLES, everyRoute } from './every-route.js';

let s: EveryRoute;
beforeAll(async () => {
  s = await everyRoute();
});
afterAll(async () => s.close());

const NOT_REQUESTED = new Set(['/api/events']); // an event stream never ends: its 401/403 are in auth.test.ts

describe('every route of the OpenAPI document', () => {
  it('is in the document with the permission it declares, and the document covers the server', () => {
    expect(s.operations.length).toBeGreaterThan(s.withFleet ? 45 : 35);
    const documented = new Set(s.operations.map((op) => `${op.method.toUpperCase()} ${op.path}`));
    const served = s.app.routeTable.filter((r) => !r.hidden && r.method !== 'HEAD' && r.url.startsWith('/api')).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('without credentials: 401 problem+json, except the declared open routes', async () => {
    for (const op of s.operations) {
      if (NOT_REQUESTED.has(op.path)) continue;
      const res = await s.app.inject({ method: op.method.toUpperCase() as 'GET', url: s.url(op), ...(op.body ? { payload: {} } : {}) });
      const what = `${op.method} ${op.path} -> ${res.statusCode}`;
      if (OPEN_ROUTES.has(op.path)) {
        expect(op.permission, what).toBeUndefined();
        expect(res.statusCode, what).not.toBe(403);
      } else {
        expect(res.statusCode, what).toBe(401);
        expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
      }
    }
  });

  it('with each built-in role: 403 naming the permission exactly when the role lacks it', async () => {
    for (const op of s.operations) {
      if (NOT_REQUESTED.has(op.path) || op.permission === undefined) continue;
      for (const role of ROLES) {
        const res = await s.app.inject({
          method: op.method.toUpperCase() as 'GET',
          url: s.url(op),
          headers: { authorization: `Bearer ${s.tokens[role]}` },
          // A body that fails validation: the check must come first, and nothing is done if allowed.
          ...(op.body ? { payload: { __suite: [] } } : {}),
        });
        const what = `${role} ${op.method} ${op.path} -> ${res.statusCode}`;
        if (BUILT_IN_ROLES[role].has(op.permission as never)) {
          expect([401, 403], what).not.toContain(res.statusCode);
        } else {
          expect(res.statusCode, what).toBe(403);
          expect(res.json().detail, what).toContain(`"${op.permission}"`);
        }
      }
    }
  });
});
