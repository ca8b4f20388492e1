/**
 * Where the HTTP server meets threat detection. Two hooks, installed before authentication's:
 *
 * - onRequest: a source locked out (security/lockout.ts) that presents a credential to check (a
 *   Bearer token, the dashboard's `?token=` link, a sign-in) is answered 429 problem+json with
 *   Retry-After at once, before any token hash is computed.
 * - onResponse: a credential that was refused (401) counts as a failure of its source (a refused
 *   sign-in as `failed-login`, anything else as `bad-token`); one that was accepted wipes the
 *   source's count; and every request made with a token or a token's session (whatever its answer)
 *   is checked by the `new-token-address` rule.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FailureKind, Lockout } from '../security/lockout.js';
import type { ThreatDetector } from '../security/threats.js';
import './request-principal.js';
import { problem } from './routes/errors.js';

export interface ThreatHooksOptions {
  detector: ThreatDetector;
  /** Off: no lockout, the rules still run. */
  lockout?: Lockout;
}

export const THREAT_HOOKS_DEFAULTS = {
  loginRoute: '/api/login', // the dashboard's sign-in: a token in the body
  linkRoutes: ['/', '/*'] as readonly string[], // the dashboard's pages, where `?token=` signs a browser in
};

/** The credential a request asks the server to check with a slow hash, if any. */
export function credentialKind(request: FastifyRequest): FailureKind | undefined {
  const url = request.routeOptions.url;
  if (request.method === 'POST' && url === THREAT_HOOKS_DEFAULTS.loginRoute) return 'failed-login';
  if (typeof request.headers.authorization === 'string' && /^Bearer\s/i.test(request.headers.authorization)) return 'bad-token';
  const query = request.query as Record<string, unknown> | undefined;
  if (request.method === 'GET' && url !== undefined && THREAT_HOOKS_DEFAULTS.linkRoutes.includes(url) && typeof query?.token === 'string') return 'bad-token';
  return undefined;
}

/** Whether the credential of a finished request was refused. */
function refused(request: FastifyRequest, status: number, setsCookie: boolean): boolean {
  if (status === 401) return true;
  // The sign-in link answers 303 either way; only a session cookie says the token was good.
  const query = request.query as Record<string, unknown> | undefined;
  return request.method === 'GET' && typeof query?.token === 'string' && status === 303 && !setsCookie;
}

export function installThreatHooks(app: FastifyInstance, { detector, lockout }: ThreatHooksOptions): void {
  if (lockout) {
    app.addHook('onRequest', async (request, reply) => {
      if (credentialKind(request) === undefined) return;
      const status = lockout.check(request.ip);
      if (!status.locked) return;
      const seconds = Math.max(1, Math.ceil(status.retryAfterMs / 1000));
      return problem(reply.header('retry-after', String(seconds)), 429, `too many failed sign-ins or bad tokens from this address: try again in ${seconds} s`);
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    const kind = credentialKind(request);
    if (kind !== undefined && lockout && reply.statusCode !== 429) {
      if (refused(request, reply.statusCode, reply.hasHeader('set-cookie'))) lockout.failure(request.ip, kind);
      else if (reply.statusCode < 400) lockout.success(request.ip);
    }
    const principal = request.principal;
    if (principal && (principal.kind === 'token' || principal.kind === 'session')) {
      void detector.credentialUsed({ token: principal.name, source: request.ip, at: detector.clock.now() });
    }
  });
}
