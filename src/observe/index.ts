/** `bulwark/observe`: metrics, alert rules and the event timeline. */
export { Metrics, createMetrics, metricsDefaults, metricNames, breakerStates, gateStates, healthStatuses, type MetricsOptions, type MetricName } from './metrics.js';
export { LabelCap, OVERFLOW_LABEL } from './label-cap.js';
export { observeBreaker, observeRetry, observeTimeout, observeBulkhead, observeRateLimit, observeFallback, observeHedge } from './bind-policies.js';
export { alertRuleSchema, parseAlertRule, compare, severities, conditions, type AlertRule, type AlertRuleInput, type Severity, type Condition } from './alerts/rule.js';
export { toPrometheusRules, toPromQL } from './alerts/export.js';
export { webhookChannel, logChannel, webhookDefaults, type NotificationChannel, type Notification, type AlertNotice, type WebhookChannelOptions, type AlertLogger } from './alerts/channels.js';
export { memoryAlertHistory, type AlertHistory, type AlertHistoryEntry } from './alerts/history.js';
export { registrySource, type MetricSource, type Sample } from './alerts/source.js';
export { AlertEngine, alertEngine, alertEngineDefaults, type AlertEngineOptions, type AlertEngineEvents, type AlertState, type AlertStateName, type AlertTransition } from './alerts/engine.js';
export { dependencyStats, DependencyStats, dependencyTileDefaults, type DependencyTile, type DependencyTileOptions } from './dependency-tiles.js';
export { trackLimiter, TrackedLimiter, limitUsageDefaults, type LimitUsage, type LimitUsageOptions } from './limit-usage.js';
export { observeOrders, OrderOutcomes, orderOutcomesDefaults, outcomeOf, orderOutcomeNames, type OrderOutcome, type OrdersView, type OrderView, type OrderOutcomesOptions } from './order-outcomes.js';
export { journalOrders, type IntentJournalLike } from './journal-orders.js';
export { storageAlertHistory, storageAlertHistoryDefaults, alertHistoryMigration, type StorageAlertHistoryOptions } from './alerts/storage-history.js';
export { traced, TracedPolicy, tracedDefaults, type TracedOptions } from './tracing.js';
export { otelMetrics, type OtelMetricsBridge } from './otel-metrics.js';
