/**
 * Alerts as metrics: `bulwark_alerts_firing{severity}`, the number of firing alerts per severity,
 * read at each scrape from the alert engine (every severity has a series, 0 when none fires).
 */
import type { AlertEngine } from './alerts/engine.js';
import { severities } from './alerts/rule.js';
import type { Metrics } from './metrics.js';

/** Sets the firing-alert gauges at each scrape; returns the unbind function. */
export function observeAlerts(metrics: Metrics, alerts: AlertEngine): () => void {
  const offChange = alerts.on('stateChange', () => metrics.alertsFiring.reset());
  const offScrape = metrics.onScrape(() => {
    const firing = alerts.active().filter((a) => a.state === 'firing');
    for (const severity of severities) metrics.alertsFiring.set({ severity }, firing.filter((a) => a.rule.severity === severity).length);
  });
  return () => {
    offChange();
    offScrape();
  };
}
