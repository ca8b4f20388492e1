/**
 * Health endpoints as a fastify plugin:
 *   GET /livez   the process only (answers while the event loop runs); never external dependencies
 *   GET /readyz  dependencies; fails while shutting down
 *   GET /health  every check in application/health+json (IETF draft); 200 pass/warn, 503 fail
 *   GET /health/score  the 0-100 score and, for authorised callers, the reasons
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { HealthRegistry } from '../../health/registry.js';
import { healthScore } from '../../health/score.js';
import { HEALTH_JSON_TYPE, httpStatusOf, type IetfHealth, toIetfHealth } from '../../health/ietf.js';

export interface HealthRoutesOptions {
  registry: HealthRegistry;
  /** False while shutting down (e.g. `() => shutdown.ready`): /readyz then fails at once. */
  isReady?: () => boolean;
  /** Checks /readyz considers (by tag); all checks when unset. */
  readinessTags?: readonly string[];
  /** Whether a request may see messages, observed values and score reasons. */
  exposeDetails?: (request: FastifyRequest) => boolean | Promise<boolean>;
  /** Score weights per group (default: the score defaults). */
  weights?: Readonly<Record<string, number>>;
  serviceId?: string;
  version?: string;
}

export const HEALTH_ROUTES_DEFAULTS = {
  isReady: (): boolean => true, // no shutdown coordinator: always ready
  exposeDetails: (): boolean => false, // details can reveal topology; hidden until authorisation is wired
} as const;

function send(reply: FastifyReply, body: IetfHealth): FastifyReply {
  return reply.code(httpStatusOf(body.status)).header('content-type', HEALTH_JSON_TYPE).header('cache-control', 'no-store').send(body);
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const { registry } = options;
  if (!registry || typeof registry.check !== 'function') throw new TypeError('healthRoutes: option registry (a HealthRegistry) is required');
  const isReady = options.isReady ?? HEALTH_ROUTES_DEFAULTS.isReady;
  const exposeDetails = options.exposeDetails ?? HEALTH_ROUTES_DEFAULTS.exposeDetails;
  const ietfOptions = {
    ...(options.serviceId === undefined ? {} : { serviceId: options.serviceId }),
    ...(options.version === undefined ? {} : { version: options.version }),
  };

  app.get('/livez', async (_request, reply) => send(reply, { status: 'pass', ...ietfOptions, checks: {} }));

  app.get('/readyz', async (request, reply) => {
    if (!isReady()) return send(reply, { status: 'fail', ...ietfOptions, output: 'shutting down', checks: {} });
    const report = await registry.check(options.readinessTags ? { tags: options.readinessTags } : {});
    return send(reply, toIetfHealth(report, { ...ietfOptions, details: await exposeDetails(request) }));
  });

  app.get('/health', { config: { permission: 'health:read' } }, async (request, reply) => {
    const report = await registry.check();
    const body = toIetfHealth(report, { ...ietfOptions, details: await exposeDetails(request) });
    if (!isReady() && body.status === 'pass') body.status = 'warn';
    return send(reply, body);
  });

  app.get('/health/score', { config: { permission: 'health:read' } }, async (request, reply) => {
    const report = await registry.check();
    const score = healthScore(report, options.weights ? { weights: options.weights } : {});
    const details = await exposeDetails(request);
    return reply.header('cache-control', 'no-store').send(details ? score : { score: score.score, groups: score.groups });
  });
};
