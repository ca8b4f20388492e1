/**
 * Dashboard sign-in: POST /api/login exchanges an API token for a session (an HttpOnly,
 * SameSite=Strict cookie, and the CSRF token the page sends back on changes); POST /api/logout
 * ends it; GET /api/session says who the request acts as. These routes are open (auth.ts): they
 * are how a browser gets credentials.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, OPEN_PRINCIPAL } from '../auth.js';
import { SESSION_COOKIE, clearSessionCookies, readCookie, setSessionCookies } from '../session-cookies.js';
import { problem } from './errors.js';

export interface SessionRoutesOptions {
  /** Absent on a server built without authentication: only GET /api/session, saying so. */
  auth?: Auth;
}

export const sessionRoutes: FastifyPluginAsyncZod<SessionRoutesOptions> = async (app, { auth }) => {
  const tags = ['session'];
  if (!auth) {
    app.get('/api/session', { schema: { tags, description: 'Who this request acts as: this server checks no credentials' } }, async () => ({
      kind: OPEN_PRINCIPAL.kind,
      name: OPEN_PRINCIPAL.name,
      role: OPEN_PRINCIPAL.role,
      permissions: [...OPEN_PRINCIPAL.permissions].sort(),
      authentication: false,
    }));
    return;
  }
  const { tokens, sessions, clock, secureCookies } = auth.options;

  app.post(
    '/api/login',
    { schema: { tags, description: 'Signs the browser in with an API token: sets the session cookie; answers who it is and the CSRF token for changes', body: z.object({ token: z.string().min(1).max(200) }).strict() } },
    async (request, reply) => {
      const record = await tokens.verify(request.body.token);
      if (!record) return problem(reply.header('www-authenticate', 'Bearer realm="bulwark"'), 401, 'the token is not valid (malformed, unknown, revoked or expired)');
      const session = await sessions.open(record);
      setSessionCookies(reply, session.id, session.csrfToken, { secure: secureCookies, expiresAt: session.expiresAt, now: clock.now() });
      return { name: record.name, role: record.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    },
  );

  app.post('/api/logout', { schema: { tags, description: 'Ends the browser session and clears its cookies' } }, async (request, reply) => {
    const id = readCookie(request, SESSION_COOKIE);
    if (id !== undefined) await sessions.close(id);
    clearSessionCookies(reply, secureCookies);
    return reply.code(204).send();
  });

  app.get('/api/session', { schema: { tags, description: 'Who this request acts as, and whether the API asks for credentials' } }, async (request, reply) => {
    const enforced = await auth.enforced();
    const principal = request.principal ?? (enforced ? undefined : OPEN_PRINCIPAL);
    if (!principal) return problem(reply.header('www-authenticate', 'Bearer realm="bulwark"'), 401, 'not signed in');
    const id = principal.kind === 'session' ? readCookie(request, SESSION_COOKIE) : undefined;
    return {
      kind: principal.kind,
      name: principal.name,
      role: principal.role,
      permissions: [...principal.permissions].sort(),
      authentication: enforced,
      ...(id !== undefined ? { csrfToken: sessions.csrfTokenOf(id) } : {}),
    };
  });
};
