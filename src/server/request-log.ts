/**
 * One log line per request that deserves one: at `info` for a 5xx or a slow request (with its
 * request id, method, route, status and time), nothing for a fast success. Errors themselves are
 * logged at `error` with their stack by the error handler. The query string is left out: it may
 * carry a token.
 */
import type { FastifyInstance } from 'fastify';

export interface RequestLogOptions {
  /** A request at least this slow is logged whatever its status. */
  slowRequestMs: number;
}

export const REQUEST_LOG_DEFAULTS = {
  slowRequestMs: 1_000, // a second is slow for an ops API that reads memory and a local database
} satisfies RequestLogOptions;

export function logRequests(app: FastifyInstance, options: RequestLogOptions = REQUEST_LOG_DEFAULTS): void {
  app.addHook('onResponse', async (request, reply) => {
    const ms = reply.elapsedTime;
    const status = reply.statusCode;
    if (status < 500 && ms < options.slowRequestMs) return;
    request.log.info(
      { reqId: request.id, method: request.method, url: request.url.split('?')[0], route: request.routeOptions.url ?? null, status, ms: Math.round(ms) },
      status >= 500 ? 'request failed' : 'slow request',
    );
  });
}
