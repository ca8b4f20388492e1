/** The alert rules the demo starts with, over the metric vocabulary (docs/metrics.md). */
import type { AlertRuleInput } from '../observe/alerts/rule.js';
import { metricNames } from '../observe/metrics.js';

export const demoAlertRules: readonly AlertRuleInput[] = [
  {
    name: 'BreakerOpen',
    metric: metricNames.breakerState,
    match: { state: 'open' },
    by: ['name'],
    condition: '>=',
    threshold: 1,
    severity: 'critical',
    description: 'A circuit breaker is open: its dependency is failing and calls are refused',
  },
  {
    name: 'TradingNotActive',
    metric: metricNames.tradingGate,
    match: { state: 'active' },
    by: ['gate'],
    condition: '<',
    threshold: 1,
    forMs: 2_000,
    severity: 'warning',
    description: 'The trading gate is reducing or halted',
  },
  {
    name: 'DeadLettersPending',
    metric: metricNames.dlqDepth,
    by: ['queue'],
    condition: '>',
    threshold: 0,
    severity: 'warning',
    description: 'Operations failed for good and wait in the dead-letter queue',
  },
  {
    name: 'HealthScoreLow',
    metric: metricNames.healthScore,
    condition: '<',
    threshold: 80,
    forMs: 4_000,
    keepFiringForMs: 4_000,
    severity: 'warning',
    description: 'The health score dropped under 80',
  },
  {
    name: 'OrdersUnknown',
    metric: metricNames.orders,
    match: { outcome: 'unknown' },
    fn: 'rate',
    rangeMs: 30_000,
    aggregate: 'sum',
    by: ['exchange'],
    condition: '>',
    threshold: 0,
    severity: 'info',
    description: 'Orders ended with an unknown outcome (lost replies) and are being reconciled',
  },
];
