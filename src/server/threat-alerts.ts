/**
 * Threat findings as alerts: the gauge `bulwark_security_threats{rule}` counts each rule's findings
 * within the detector's `alertHoldMs`, and one alert rule per detection rule fires while it is above
 * zero, through the alert engine like every other alert (history, notifications, the dashboard).
 * A finding triggers an evaluation at once, so the alert does not wait for the next interval.
 * `bulwark_security_lockouts` counts the sources locked out now.
 */
import type { AlertEngine } from '../observe/alerts/engine.js';
import type { AlertRuleInput } from '../observe/alerts/rule.js';
import { type Metrics, metricNames } from '../observe/metrics.js';
import type { Lockout } from '../security/lockout.js';
import { type ThreatRuleName, threatRuleNames } from '../security/threat-rules.js';
import type { ThreatDetector } from '../security/threats.js';

const descriptions: Record<ThreatRuleName, [string, AlertRuleInput['severity']]> = {
  'brute-force': ['SecurityBruteForce', 'critical'],
  'new-token-address': ['SecurityNewTokenAddress', 'warning'],
  'state-change-burst': ['SecurityStateChangeBurst', 'warning'],
  'order-rate': ['SecurityOrderRate', 'critical'],
  'kill-switch-release': ['SecurityKillSwitchReleased', 'critical'],
  'change-window': ['SecurityChangeOutsideWindow', 'warning'],
};

const summaries: Record<ThreatRuleName, string> = {
  'brute-force': 'Many failed sign-ins or bad tokens from one address',
  'new-token-address': 'An API token was used from an address not seen for it recently',
  'state-change-burst': 'One principal made a burst of state changes',
  'order-rate': 'New orders far above their usual rate',
  'kill-switch-release': 'The kill switch was released minutes after a halt',
  'change-window': 'A configuration change outside the change window',
};

/** The alert rule of each detection rule (name, severity, description). */
export function threatAlertRules(): AlertRuleInput[] {
  return threatRuleNames.map((rule) => ({
    name: descriptions[rule][0],
    metric: metricNames.securityThreats,
    match: { rule },
    condition: '>',
    threshold: 0,
    severity: descriptions[rule][1],
    description: `${summaries[rule]} (GET /api/security/threats)`,
    labels: { area: 'security' },
  }));
}

/** Binds the gauges and, with an engine, adds the alert rules (those already present are left alone). Returns the unbind function. */
export function bindThreatAlerts(metrics: Metrics, detector: ThreatDetector, alerts?: AlertEngine, lockout?: Lockout): () => void {
  const offScrape = metrics.onScrape(() => {
    const counts = detector.recentCounts();
    for (const rule of threatRuleNames) metrics.securityThreats.set({ rule }, counts.get(rule) ?? 0);
    metrics.securityLockouts.set(lockout ? lockout.active().length : 0);
  });
  if (alerts) for (const rule of threatAlertRules()) if (!alerts.get(rule.name)) alerts.add(rule);
  const offFinding = detector.on('finding', () => {
    void alerts?.evaluate().catch(() => undefined);
  });
  return () => {
    offScrape();
    offFinding();
  };
}
