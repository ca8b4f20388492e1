/**
 * Health as metrics: `bulwark_health_score` and one `bulwark_health_check_status` series per check
 * and status (1 for the current one), read at each scrape from the latest report. Structurally
 * typed, so observe/ imports nothing from health/.
 */
import { Metrics, healthStatuses } from './metrics.js';

/** The latest health report and its score, as health/ makes them. */
export interface HealthSnapshotLike {
  score: number;
  checks: ReadonlyArray<{ name: string; status: string }>;
}

/** Sets the health gauges at each scrape from `latest()`; returns the unbind function. */
export function observeHealth(metrics: Metrics, latest: () => HealthSnapshotLike | undefined): () => void {
  const seen = new Set<string>();
  return metrics.onScrape(() => {
    const snapshot = latest();
    if (!snapshot) return;
    metrics.healthScore.set(snapshot.score);
    const now = new Set<string>();
    for (const check of snapshot.checks) {
      const name = metrics.label('check', check.name);
      now.add(name);
      Metrics.setState(metrics.healthCheck, { check: name }, 'status', healthStatuses, check.status);
    }
    // A check that left the registry leaves the metric too.
    for (const name of seen) if (!now.has(name)) for (const status of healthStatuses) metrics.healthCheck.remove({ check: name, status });
    seen.clear();
    for (const name of now) seen.add(name);
  });
}
