/**
 * Alert rules over the failover metrics: a group in panic (too few endpoints routable, so it routes
 * to all of them, the sick ones included) and a group whose traffic left its preferred priority
 * level (priority 0 failed over to a backup level, or an operator forced one). Both carry the group
 * as a label, export to Prometheus as they are (toPrometheusRules) and are added by the ops service
 * for its failover groups.
 */
import type { AlertRuleInput } from './alerts/rule.js';
import { metricNames } from './metrics.js';

export function failoverAlertRules(): AlertRuleInput[] {
  return [
    {
      name: 'FailoverPanic',
      metric: metricNames.failoverRoutingMode,
      match: { mode: 'panic' },
      by: ['group'],
      condition: '>=',
      threshold: 1,
      severity: 'critical',
      description: 'A failover group is in panic: too few endpoints are routable, so calls go to every endpoint, ejected and unhealthy ones included (GET /api/failover)',
      labels: { area: 'failover' },
    },
    {
      name: 'FailoverNotPreferred',
      metric: metricNames.failoverActivePriority,
      by: ['group'],
      condition: '>',
      threshold: 0,
      // A short dip to a backup level during one ejection is what failover is for; staying there is news.
      forMs: 30_000,
      severity: 'warning',
      description: 'A failover group routes to a backup priority level: its preferred endpoints (priority 0) are not taking traffic (GET /api/failover)',
      labels: { area: 'failover' },
    },
  ];
}
