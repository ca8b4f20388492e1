/** `bulwark/server`: the ops HTTP API and dashboard as a fastify instance. Nothing listens until `listen()`. */
export { buildApp, BUILD_APP_DEFAULTS, defaultWebRoot, type BuildAppOptions, type OpsApp, type RouteEntry } from './app.js';
export { AUTH_DEFAULTS, OPEN_ROUTES, type AuthOptions } from './auth.js';
export { serviceAuth, type ServiceAuth, type ServiceAuthOptions } from './service-auth.js';
export { type ServerComponents, type BreakerDirectory, type OrdersView, type OrderView } from './components.js';
export { LiveEvents, liveEvents, LIVE_EVENTS_DEFAULTS, bindTimeline, type LiveEvent, type LiveEventsOptions, type TimelineEntry, type TimelineKind, type TimelineSeverity, type TimelineSources } from './live-events.js';
export { buildOverview, type Overview, type BreakerView } from './overview.js';
export { healthRoutes, HEALTH_ROUTES_DEFAULTS, type HealthRoutesOptions } from './routes/health.js';
export { OperatorState, operatorState, DEFAULT_ACTOR, type OperatorMark, type OperatorStateOptions, type RestoredOperatorState, type FailoverDirectory } from './operator-state.js';
export { bindFailover, bindFailoverEvents, describeManual, type BindFailoverOptions, type FailoverEventsOptions } from './failover-events.js';
export { recoverAtStart, type StartRecovery, type StartRecoveryOptions } from './start-recovery.js';
export { logRequests, REQUEST_LOG_DEFAULTS, type RequestLogOptions } from './request-log.js';
export { type AccountSnapshot, type AccountView } from './components.js';
