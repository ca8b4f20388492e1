/**
 * Authentication and authorisation of the ops API: an onRequest hook that sets `request.principal`
 * and refuses what the principal may not do.
 *
 * Credentials: `Authorization: Bearer bwk_...` (an API token), or the dashboard's session cookie
 * (a state-changing request made with the cookie must also send `X-CSRF-Token`; a Bearer request
 * needs none, since a browser never adds that header on its own). Each route declares the one
 * permission it needs (`config: { permission }`); the principal's role must grant it.
 *
 * Refusals: no credentials (or a bad token) -> 401 with `WWW-Authenticate: Bearer`; a role without
 * the permission -> 403 naming it. Always open: /livez and /readyz (probes), the dashboard's static
 * files (the page shows a sign-in form when the API answers 401) and the sign-in routes.
 * `openMetrics` opens /metrics; `loopbackReads` lets GET/HEAD reads from loopback through as the
 * principal `local` with the viewer's permissions, but only on a server listening on loopback
 * (behind a local reverse proxy every request would look local).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, systemClock } from '../core/clock.js';
import { isLoopbackHost } from '../config/bind-address.js';
import { ALL_PERMISSIONS } from '../security/permissions.js';
import type { Principal } from '../security/principal.js';
import { BUILT_IN_ROLES, type RoleSet } from '../security/roles.js';
import type { SessionStore } from '../security/sessions.js';
import type { TokenRecord, TokenStore } from '../security/tokens.js';
import './request-principal.js';
import { problem } from './routes/errors.js';
import { CSRF_HEADER, SESSION_COOKIE, readCookie, setSessionCookies } from './session-cookies.js';

export interface AuthOptions {
  tokens: TokenStore;
  sessions: SessionStore;
  /** Built-in and custom roles (resolveRoles()); the built-in ones when omitted. */
  roles?: RoleSet;
  /** `true`: enforced; `false`: open (every request acts with every permission); `auto`: enforced once any active token exists. */
  enabled?: boolean | 'auto';
  /** /metrics without credentials. */
  openMetrics?: boolean;
  /** GET/HEAD reads from loopback need no credentials (only when `listensOnLoopback`). */
  loopbackReads?: boolean;
  /** The server listens on a loopback address only; the caller knows, buildApp does not. */
  listensOnLoopback?: boolean;
  /** Session cookies carry `Secure` (the server serves TLS). */
  secureCookies?: boolean;
  clock?: Clock;
}

export const AUTH_DEFAULTS = {
  enabled: 'auto' as boolean | 'auto', // a service without tokens works as before on loopback; the first token turns authentication on
  openMetrics: false, // metrics reveal topology and volumes: a scraper sends a viewer token unless the config opens them
  loopbackReads: true, // `bulwark health` and a local Prometheus keep working without a token; changes always need one
  listensOnLoopback: false, // unknown means not loopback: no request is let through for where it came from
  secureCookies: false, // plain HTTP on loopback; TLS sets it
  autoRecheckMs: 5_000, // `auto` without tokens looks for a new one at most this often (it stays on once one is seen)
};

/** Routes that need no credentials: probes and the sign-in routes (the dashboard's files are recognised by having no permission). */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/livez', '/readyz', '/api/login', '/api/logout', '/api/session']);

/** The static files of the dashboard: fastify-static's routes, which declare no permission. */
const STATIC_ROUTES: ReadonlySet<string> = new Set(['/', '/*']);

/** Whether a route is open to a request without credentials. */
export function isOpenRoute(url: string | undefined, permission: string | undefined): boolean {
  if (url === undefined) return true; // no route matched: the 404 handler answers
  return OPEN_ROUTES.has(url) || (permission === undefined && STATIC_ROUTES.has(url));
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every permission: what `GET /api/session` reports on a server that checks nothing. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({ kind: 'local', name: 'local', role: 'admin', permissions: new Set<string>(ALL_PERMISSIONS) });

/** An unauthenticated read from loopback. */
export const LOCAL_READER: Principal = Object.freeze({ kind: 'local', name: 'local', role: 'viewer', permissions: BUILT_IN_ROLES.viewer as ReadonlySet<string> });

export function tokenPrincipal(record: TokenRecord, roles: RoleSet, kind: 'token' | 'session' = 'token', id: string = record.id): Principal {
  return { kind, name: record.name, role: record.role, permissions: (roles.get(record.role) ?? new Set()) as ReadonlySet<string>, id };
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

function unauthorized(reply: FastifyReply, detail: string, invalidToken: boolean): FastifyReply {
  return problem(reply.header('www-authenticate', `Bearer realm="bulwark"${invalidToken ? ', error="invalid_token"' : ''}`), 401, detail);
}

export interface Auth {
  readonly options: Required<Omit<AuthOptions, 'clock'>> & { clock: Clock };
  /** Whether requests are checked now (`auto`: once a token exists). */
  enforced(): Promise<boolean>;
}

/** Adds the hook to `app` (call before routes are registered); returns what the sign-in routes need. */
export function installAuth(app: FastifyInstance, options: AuthOptions): Auth {
  const o = { ...AUTH_DEFAULTS, roles: new Map(Object.entries(BUILT_IN_ROLES)) as RoleSet, clock: systemClock, ...options };
  let seenToken = o.enabled === true;
  let checkedAt = -Infinity;
  const enforced = async (): Promise<boolean> => {
    if (o.enabled !== 'auto') return o.enabled;
    if (seenToken) return true;
    const now = o.clock.now();
    if (now - checkedAt < o.autoRecheckMs) return false;
    checkedAt = now;
    seenToken = await o.tokens.anyActive();
    return seenToken;
  };

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    const permission = request.routeOptions.config?.permission;
    const open = isOpenRoute(url, permission);

    // The dashboard link `/?token=...`: the token becomes a session cookie and leaves the address bar.
    if (request.method === 'GET' && url !== undefined && STATIC_ROUTES.has(url) && permission === undefined) {
      const query = request.query as Record<string, unknown> | undefined;
      if (typeof query?.token === 'string') {
        const record = await o.tokens.verify(query.token);
        if (record) {
          const session = await o.sessions.open(record);
          setSessionCookies(reply, session.id, session.csrfToken, { secure: o.secureCookies, expiresAt: session.expiresAt, now: o.clock.now() });
        }
        return reply.code(303).header('location', '/').header('cache-control', 'no-store').send();
      }
    }

    // Who is asking: a Bearer token wins over a session cookie.
    let principal: Principal | undefined;
    let badToken = false;
    const bearer = bearerOf(request);
    if (bearer !== undefined) {
      const record = bearer === '' ? undefined : await o.tokens.verify(bearer);
      if (record) principal = tokenPrincipal(record, o.roles);
      else badToken = true;
    } else {
      const sessionId = readCookie(request, SESSION_COOKIE);
      const session = sessionId === undefined ? undefined : await o.sessions.verify(sessionId);
      if (session && sessionId !== undefined) {
        // A cookie rides along on any request the browser makes; a change must prove it came from our page.
        if (!SAFE_METHODS.has(request.method) && url !== '/api/login' && !o.sessions.csrfMatches(sessionId, request.headers[CSRF_HEADER] as string | undefined)) {
          return problem(reply, 403, `missing or wrong ${CSRF_HEADER} header: a change made with the session cookie must send the session's CSRF token`);
        }
        principal = tokenPrincipal(session.token, o.roles, 'session', session.ref);
      }
    }

    if (!(await enforced())) {
      // Nothing is checked: a caller who sent credentials acts as itself, anyone else stays anonymous (the audit log says so).
      if (principal) request.principal = principal;
      return;
    }
    if (principal) request.principal = principal;
    if (open) return;
    if (!principal) {
      if (badToken) return unauthorized(reply, 'the bearer token is not valid (malformed, unknown, revoked or expired)', true);
      if (permission === 'metrics:read' && o.openMetrics) {
        request.principal = LOCAL_READER;
        return;
      }
      const remote = request.socket.remoteAddress ?? '';
      if (o.loopbackReads && o.listensOnLoopback && SAFE_METHODS.has(request.method) && isLoopbackHost(remote) && permission !== undefined && LOCAL_READER.permissions.has(permission)) {
        request.principal = LOCAL_READER;
        return;
      }
      return unauthorized(reply, 'authentication required: send Authorization: Bearer <token> (bulwark token create), or sign in on the dashboard', false);
    }
    if (permission === undefined) return problem(reply, 403, `${request.method} ${url} declares no permission: refused for every role`);
    if (!principal.permissions.has(permission)) return problem(reply, 403, `this request needs permission "${permission}", which role "${principal.role}" does not grant`);
  });

  return { options: o, enforced };
}
