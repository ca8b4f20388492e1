/**
 * Rate limits on state-changing requests (POST, PUT, PATCH, DELETE), with our own token buckets
 * (src/limits): one bucket per principal (its id, else its name; a request without one counts
 * against its source address) and one per source address. Reads are not limited here: they
 * change nothing and the dashboard polls. A refusal is 429 problem+json with Retry-After.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';
import { tokenBucket } from '../limits/token-bucket.js';
import type { RateSetting } from './http-hardening.js';
import { problem } from './routes/errors.js';
import './request-principal.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface StateChangeLimitOptions {
  perPrincipal: RateSetting;
  perSource: RateSetting;
  clock: Clock;
}

/** Runs after authentication (preValidation), so the principal is known, and before any handler. */
export function limitStateChanges(app: FastifyInstance, options: StateChangeLimitOptions): void {
  const principals = tokenBucket({ capacity: options.perPrincipal.burst, refillPerSecond: options.perPrincipal.perSecond, clock: options.clock });
  const sources = tokenBucket({ capacity: options.perSource.burst, refillPerSecond: options.perSource.perSecond, clock: options.clock });
  app.addHook('preValidation', async (request, reply) => {
    if (!STATE_CHANGING.has(request.method)) return;
    const who = request.principal?.id ?? request.principal?.name;
    const source = request.ip;
    const bySource = await sources.consume(`source:${source}`);
    const byPrincipal = await principals.consume(who !== undefined ? `principal:${who}` : `source:${source}`);
    const refused = [!byPrincipal.allowed && (who !== undefined ? `principal "${who}"` : `source ${source}`), !bySource.allowed && `source ${source}`].filter(Boolean);
    if (refused.length === 0) return;
    const retryAfterMs = Math.max(byPrincipal.allowed ? 0 : byPrincipal.retryAfterMs, bySource.allowed ? 0 : bySource.retryAfterMs);
    reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    return problem(reply, 429, `too many state-changing requests from ${refused.join(' and ')}; retry after ${Math.ceil(retryAfterMs)} ms`);
  });
}
