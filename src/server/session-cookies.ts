/**
 * The two cookies of a dashboard session: `bulwark_session` (the session id: HttpOnly, so page
 * scripts never see it) and `bulwark_csrf` (the session's CSRF token, readable by the dashboard's
 * script, which sends it back as `X-CSRF-Token`). Both SameSite=Strict, Path=/, Secure over TLS.
 * Written here rather than with @fastify/cookie: its current release needs Node 22 (cookie 2), and
 * two fixed cookies need a reader and a writer of a few lines.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'bulwark_session';
export const CSRF_COOKIE = 'bulwark_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Cookie values we write are base64url; anything else is ignored rather than decoded. */
const VALUE = /^[A-Za-z0-9_-]{1,200}$/;

/** The value of cookie `name` from the request's Cookie header, when it is one we could have written. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return VALUE.test(value) ? value : undefined;
  }
  return undefined;
}

export interface SessionCookieOptions {
  /** Send only over HTTPS (the server serves TLS). */
  secure: boolean;
  /** When the session ends (ms since the epoch); the cookies expire with it. */
  expiresAt: number;
}

function cookie(name: string, value: string, httpOnly: boolean, secure: boolean, maxAgeSeconds: number): string {
  return [`${name}=${value}`, 'Path=/', `Max-Age=${maxAgeSeconds}`, httpOnly ? 'HttpOnly' : '', 'SameSite=Strict', secure ? 'Secure' : ''].filter(Boolean).join('; ');
}

export function setSessionCookies(reply: FastifyReply, sessionId: string, csrfToken: string, options: SessionCookieOptions & { now: number }): void {
  const maxAge = Math.max(1, Math.floor((options.expiresAt - options.now) / 1000));
  reply.header('set-cookie', [cookie(SESSION_COOKIE, sessionId, true, options.secure, maxAge), cookie(CSRF_COOKIE, csrfToken, false, options.secure, maxAge)]);
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', [cookie(SESSION_COOKIE, '', true, secure, 0), cookie(CSRF_COOKIE, '', false, secure, 0)]);
}
