/**
 * buildApp(components): the ops server as a fastify instance, a tree of small plugins, one per
 * area, each owning its routes and zod schemas. Routes validate, call the component, shape the
 * output. Bad input gets a 400 naming the field and the reason; a component the server was built
 * without answers 404 saying so; every error is application/problem+json (RFC 9457). OpenAPI at
 * /docs/openapi.json, rendered as a page at /docs. Nothing listens until the caller
 * calls `listen()`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type Clock, systemClock } from '../core/clock.js';
import { checkNumber } from '../core/option-checks.js';
import { bulwarkVersion } from '../core/version.js';
import type { ServerComponents } from './components.js';
import './request-principal.js';
import { fleetTimeline } from './fleet-timeline.js';
import { type LiveEvents, bindTimeline, liveEvents } from './live-events.js';
import { operatorState } from './operator-state.js';
import { buildOverview } from './overview.js';
import { logRequests, REQUEST_LOG_DEFAULTS } from './request-log.js';
import { recordRequests } from './audit-requests.js';
import { securityRoutes } from './routes/security.js';
import { bindThreatAlerts } from './threat-alerts.js';
import { installThreatHooks } from './threat-hooks.js';
import { alertRoutes } from './routes/alerts.js';
import { analyticsRoutes } from './routes/analytics.js';
import { analyticsAdviceRoutes } from './routes/analytics-advice.js';
import { auditRoutes } from './routes/audit.js';
import { regionRoutes } from './routes/region.js';
import { backupRoutes } from './routes/backups.js';
import { chaosExperimentRoutes } from './routes/chaos-experiments.js';
import { breakerRoutes } from './routes/breakers.js';
import { failoverRoutes } from './routes/failover.js';
import { chaosProxyRoutes } from './routes/chaos-proxies.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { docsRoutes } from './routes/docs.js';
import { type FieldError, notConfigured, problem } from './routes/errors.js';
import { eventRoutes } from './routes/events.js';
import { fleetGateRoutes, fleetRoutes } from './routes/fleet.js';
import { gateRoutes } from './routes/gate.js';
import { healthRoutes } from './routes/health.js';
import { limitRoutes } from './routes/limits.js';
import { metricsRoutes } from './routes/metrics.js';
import { orderRoutes } from './routes/orders.js';
import { accountRoutes } from './routes/account.js';
import { type AuthOptions, installAuth } from './auth.js';
import { sessionRoutes } from './routes/session.js';
import { allowHosts } from './host-allow-list.js';
import { frameworkErrors, MAX_PARAM_LENGTH } from './framework-errors.js';
import { type HttpHardeningOptions, nodeServerTimeouts, resolveHttpHardening } from './http-hardening.js';
import { BodyFieldError, parseJsonBodies } from './json-body.js';
import { securityHeaders } from './security-headers.js';
import { limitStateChanges } from './state-change-limits.js';
import { type TlsFiles, httpsOptions, watchTlsFiles } from './tls-files.js';
import { maskSecretsInAnswers } from './mask-answers.js';

export interface BuildAppOptions {
  /** Folder of the built dashboard; found next to the compiled server (dist/web) when omitted. */
  webRoot?: string;
  /**
   * A pino logger (`createLogger()` from config/logger.ts) for 5xx and slow requests and errors with
   * their stack; off by default for a library caller, on in `bulwark start`.
   */
  logger?: boolean | FastifyBaseLogger;
  /** A request at least this slow is logged at info whatever its status. */
  slowRequestMs?: number;
  /** Period of the event stream's snapshot; one second feels live and costs one overview per second. */
  snapshotMs?: number;
  /** Record breaker, gate, health and alert changes on the timeline; on unless the caller binds its own. */
  bindTimeline?: boolean;
  /**
   * Authentication and roles (auth.ts): tokens, sessions, the config's settings. Omitted: no
   * checks and no principal on requests: a library caller or a test decides, the service
   * (`bulwark start`) always passes it.
   */
  auth?: AuthOptions;
  /** Allowed hosts, rate limits on state changes, timeouts for slow clients, caps (`security.http`; defaults in http-hardening.ts). */
  http?: HttpHardeningOptions;
  /** Serve HTTPS with these files, reloaded when they change (`security.tls`); plain HTTP when omitted. */
  tls?: TlsFiles;
}

export const BUILD_APP_DEFAULTS = {
  logger: false as boolean | FastifyBaseLogger,
  slowRequestMs: REQUEST_LOG_DEFAULTS.slowRequestMs,
  snapshotMs: 1_000,
  bindTimeline: true,
};

/** Where the built dashboard is: dist/web next to dist/server, or the repository's dist/web under tsx. */
export function defaultWebRoot(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/** A route as registered, with the permission it declares (none: open, see auth.ts). */
export interface RouteEntry {
  method: string;
  url: string;
  permission: string | undefined;
  /** Left out of the OpenAPI document (e.g. the 404 of a component the server was built without). */
  hidden: boolean;
}

export type OpsApp = FastifyInstance & {
  readonly liveEvents: LiveEvents;
  /** Every route with its declared permission: the security tests and the role matrix read it. */
  readonly routeTable: readonly RouteEntry[];
  /** Ends every open event stream: call it when a graceful stop begins, so streams do not hold the drain. */
  endStreams(): void;
};

/** Every invalid field of a request that failed its schema, as `{ field: 'body.threshold', reason }`. */
function fieldErrors(error: { validation: ReadonlyArray<{ instancePath?: string; message?: string; params?: unknown }>; validationContext?: string }): FieldError[] {
  return error.validation.map((issue) => {
    const issuePath = (issue.params as { issue?: { path?: PropertyKey[] } } | undefined)?.issue?.path;
    const path = issuePath && issuePath.length > 0 ? issuePath.map(String).join('.') : (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    return { field: `${error.validationContext ?? 'request'}${path ? `.${path}` : ''}`, reason: issue.message ?? 'invalid' };
  });
}

export async function buildApp(components: ServerComponents, options: BuildAppOptions = {}): Promise<OpsApp> {
  if (!components || typeof components !== 'object' || !components.metrics) throw new TypeError('buildApp: components.metrics (createMetrics()) is required');
  const o = { ...BUILD_APP_DEFAULTS, ...options };
  checkNumber('buildApp', 'snapshotMs', o.snapshotMs, 0, Infinity, true);
  const clock: Clock = components.clock ?? systemClock;
  const events = components.events ?? liveEvents({ clock });
  const c: ServerComponents = { ...components, events };

  const logging = typeof o.logger === 'object' ? { loggerInstance: o.logger } : { logger: o.logger };
  const hardening = resolveHttpHardening(o.http);
  // Slow clients are cut by node itself: headers, then the whole request, each within its limit (http-hardening.ts).
  const timeouts = nodeServerTimeouts(hardening.timeouts);
  const transport = o.tls ? { https: { ...httpsOptions(o.tls), ...timeouts } } : { http: timeouts };
  // Per-request lines come from logRequests (5xx and slow only), not fastify's two lines per request.
  const app = Fastify({
    ...logging,
    ...transport,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    connectionTimeout: hardening.timeouts.idleMs,
    keepAliveTimeout: hardening.timeouts.keepAliveMs,
    requestTimeout: hardening.timeouts.requestMs,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
  }) as unknown as FastifyInstance;
  // Headers first, so every answer carries them (the 421 below too); then a forged Host (DNS rebinding)
  // is refused ahead of authentication and every handler.
  await securityHeaders(app, { tls: o.tls !== undefined });
  allowHosts(app, hardening.allowedHosts);
  parseJsonBodies(app);
  limitStateChanges(app, { ...hardening.rateLimit, clock });
  if (o.tls) {
    const tls = o.tls;
    const reloader = watchTlsFiles(app.server as unknown as { setSecureContext(options: object): void }, tls, (outcome) => {
      if (outcome.ok) app.log.info('TLS certificate and key reloaded');
      else app.log.error({ err: outcome.error }, 'TLS files changed but were not applied; the previous certificate stays');
    });
    app.addHook('onClose', async () => reloader.stop());
  }
  if (o.logger !== false) logRequests(app, { slowRequestMs: o.slowRequestMs });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('liveEvents', events);
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, permission: (route.config as { permission?: string } | undefined)?.permission, hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true });
  });
  maskSecretsInAnswers(app);

  app.setErrorHandler((error: unknown, request, reply: FastifyReply) => {
    if (error instanceof BodyFieldError) return problem(reply, 400, error.message, [{ field: error.field, reason: error.reason }]);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = fieldErrors(error);
      return problem(reply, 400, errors.map((e) => `${e.field}: ${e.reason}`).join('; '), errors);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return problem(reply, status, (error as Error).message);
    if (error instanceof RangeError || error instanceof TypeError) return problem(reply, 400, error.message);
    app.log.error({ err: error, reqId: request.id }, 'request failed');
    return problem(reply, 500, `the request failed; see the server log (request id ${request.id})`);
  });
  app.setNotFoundHandler((request, reply) => problem(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`));
  // Before authentication's hook: a locked-out source is refused before any token is hashed.
  if (c.threats) {
    installThreatHooks(app, c.threats);
    const unbindThreats = bindThreatAlerts(c.metrics, c.threats.detector, c.alerts, c.threats.lockout);
    app.addHook('onClose', async () => unbindThreats());
  }

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      // The API's version is the package's: the routes and their schemas ship with it.
      info: { title: 'Bulwark ops API', version: bulwarkVersion, description: 'Health, metrics, breakers, rate limits, trading gate, dead letters, backups, alerts, failover groups, live events. Errors are application/problem+json (RFC 9457).' },
    },
    transform: jsonSchemaTransform,
  });
  if (o.auth) {
    const auth = installAuth(app, o.auth);
    await app.register(sessionRoutes, { auth });
  } else {
    // No checks: requests carry no principal (the audit log records them as anonymous).
    await app.register(sessionRoutes, {});
  }
  await app.register(docsRoutes);
  // Before the routes, so every state-changing request is recorded, refused and unmatched ones included.
  if (c.audit) {
    recordRequests(app, c.audit, {
      onFailure: (error, request) => {
        app.log.error({ err: error, reqId: request.id }, 'audit entry not written');
        events.record('operator', 'audit log', `an audit entry could not be written (request id ${request.id}); see the server log`, 'critical');
      },
    });
  }

  // Operator actions are durable when the caller passes a stored OperatorState; otherwise they last as long as this server.
  const operator =
    c.operatorState ??
    operatorState({ ...(c.gate ? { gate: c.gate } : {}), ...(c.breakers ? { breakers: c.breakers } : {}), ...(c.alerts ? { alerts: c.alerts } : {}), ...(c.failover ? { failover: c.failover } : {}), now: () => clock.now() });
  if (!c.operatorState) app.addHook('onClose', async () => operator.close());
  const unbindTimeline = o.bindTimeline ? bindTimeline(events, { breakers: c.breakers, gate: c.gate, health: c.health, alerts: c.alerts }) : () => undefined;
  app.addHook('onClose', async () => unbindTimeline());

  if (c.health) {
    await app.register(healthRoutes, {
      registry: c.health,
      // Messages, observed values and score reasons only for a caller who proved who it is (a token or a session).
      exposeDetails: (request) => request.principal?.kind === 'token' || request.principal?.kind === 'session',
      ...(c.isReady ? { isReady: c.isReady } : {}),
      ...(c.serviceId ? { serviceId: c.serviceId } : {}),
      ...(c.version ? { version: c.version } : {}),
      ...(c.healthWeights ? { weights: c.healthWeights } : {}),
    });
  } else {
    // Liveness needs no registry: the process answers while its event loop runs.
    app.get('/livez', { schema: { tags: ['health'] } }, async () => ({ status: 'pass' }));
  }
  await app.register(metricsRoutes, { metrics: c.metrics });
  let endStreams = (): void => undefined;
  app.decorate('endStreams', () => endStreams());
  await app.register(eventRoutes, { events, overview: () => buildOverview(c, clock.now()), clock, snapshotMs: o.snapshotMs, onEndStreams: (end) => (endStreams = end) });

  // A component the server was built without: its routes answer 404 (or `absent`, when given) to whoever may read that area.
  const optional = <T>(present: T | undefined, prefix: string, what: string, register: (value: T) => PromiseLike<unknown>, permission: string, absent?: string): PromiseLike<unknown> => {
    if (present !== undefined) return register(present);
    const answer = async (_request: unknown, reply: FastifyReply) => (absent ? problem(reply, 404, absent) : notConfigured(reply, what));
    app.all(`${prefix}`, { config: { permission }, schema: { hide: true } }, answer);
    app.all(`${prefix}/*`, { config: { permission }, schema: { hide: true } }, answer);
    return Promise.resolve();
  };
  await optional(c.breakers, '/api/breakers', 'circuit breakers', (breakers) => app.register(breakerRoutes, { breakers, events, operator }), 'breakers:read');
  await optional(c.limits, '/api/limits', 'rate limits', (limits) => app.register(limitRoutes, { limits }), 'limits:read');
  if (!c.gate && c.fleet) await app.register(fleetGateRoutes, { fleet: c.fleet, events });
  else await optional(c.gate, '/api/gate', 'the trading gate', (gate) => app.register(gateRoutes, { gate, events, operator, ...(c.fleet ? { fleet: c.fleet } : {}) }), 'gate:read');
  await optional(c.orders, '/api/orders', 'the order journal', (orders) => app.register(orderRoutes, { orders }), 'orders:read');
  await optional(c.account, '/api/account', 'an exchange account', (account) => app.register(accountRoutes, { account, ...(c.accounts ? { accounts: c.accounts } : {}) }), 'account:read');
  await optional(c.deadLetters, '/api/dead-letters', 'the dead-letter queue', (dlq) => app.register(deadLetterRoutes, { queue: dlq.queue, replay: dlq.replay, events }), 'dead-letters:read');
  await optional(c.backups, '/api/backups', 'backups', (backups) => app.register(backupRoutes, { backups, events }), 'backups:read');
  // With analytics, the rule file carries the SLOs' recording rules that the engine's SLO alerts read.
  const sloGroups = c.analytics ? { ruleGroups: c.analytics.ruleGroups.bind(c.analytics) } : {};
  await optional(c.alerts, '/api/alerts', 'alerting', (alerts) => app.register(alertRoutes, { alerts, events, operator, maxRules: hardening.maxAlertRules, ...sloGroups }), 'alerts:read');
  // The advisor's routes first: without them the analytics' fallback (no analytics) answers for them too.
  if (c.advice && c.analytics) await app.register(analyticsAdviceRoutes, { advice: c.advice, events, ...(c.livePolicies ? { live: c.livePolicies } : {}) });
  await optional(c.analytics, '/api/analytics', 'analytics', (analytics) => app.register(analyticsRoutes, { analytics, clock }), 'analytics:read');
  await optional(c.audit, '/api/audit', 'the audit log', (audit) => app.register(auditRoutes, { audit }), 'audit:read');
  await optional(c.threats, '/api/security', 'threat detection', (threats) => app.register(securityRoutes, { detector: threats.detector, ...(threats.lockout ? { lockout: threats.lockout } : {}) }), 'security:read');
  await optional(c.failover, '/api/failover', 'failover groups', (failover) => app.register(failoverRoutes, { failover, events, operator }), 'failover:read');
  await optional(c.fleet, '/api/fleet', 'the fleet', (fleet) => app.register(fleetRoutes, { fleet, events }), 'fleet:read');
  await optional(c.region, '/api/region', 'a region lease (region: in the config)', (region) => app.register(regionRoutes, { region, events }), 'region:read');
  await optional(c.chaos?.proxies, '/api/chaos/proxies', 'fault proxies', (proxies) => app.register(chaosProxyRoutes, { proxies, events }), 'chaos:read', c.chaos ? undefined : 'chaos is off: set features.chaos');
  const chaosOff = c.chaos ? undefined : 'chaos is off: set features.chaos';
  if (c.chaos?.experiments) await app.register(chaosExperimentRoutes, { experiments: c.chaos.experiments, events });
  else {
    await optional(undefined, '/api/chaos/experiments', 'chaos experiments', () => Promise.resolve(), 'chaos:read', chaosOff);
    await optional(undefined, '/api/chaos/runs', 'chaos experiments', () => Promise.resolve(), 'chaos:read', chaosOff);
  }
  if (c.fleet && o.bindTimeline) {
    const watcher = fleetTimeline(c.fleet, events, { clock });
    app.addHook('onReady', async () => watcher.start());
    app.addHook('onClose', async () => watcher.stop());
  }
  if (!c.fleet) app.get('/api/instances*', { config: { permission: 'fleet:read' }, schema: { hide: true } }, async (_request, reply) => notConfigured(reply, 'the fleet'));

  await app.register(dashboardRoutes, { root: o.webRoot ?? defaultWebRoot() });
  return app as unknown as OpsApp;
}
