/**
 * The service's analytics (analytics/): the breakers' calls recorded, incidents from the breakers,
 * the gate, each account's bans and the alert engine, and the configured SLOs (`slos:`), whose
 * burn-rate alerts the alert engine evaluates over the SLO series.
 */
import { type AnalyticsService, analyticsService } from '../analytics/service.js';
import { combinedSource } from '../analytics/slo-alerts.js';
import type { SloDefinition } from '../analytics/slo.js';
import { trackAlertIncidents, trackBanIncidents, trackBreakerIncidents, trackGateIncidents, type ChaosRunListing } from '../analytics/incident-feeds.js';
import type { Clock } from '../core/clock.js';
import type { BulwarkConfig } from '../config/schema.js';
import type { Unsubscribe } from '../core/events.js';
import type { AlertEngine } from '../observe/alerts/engine.js';
import type { MetricSource } from '../observe/alerts/source.js';
import { METRICS_DEFAULTS } from '../observe/metrics.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import type { Storage } from '../storage/types.js';
import type { ResilientExchange } from '../trading/exchange.js';
import type { TradingGate } from '../trading/gate.js';

export interface ConfiguredAnalytics {
  service: AnalyticsService;
  /** The alert engine's source: the registry's series and the SLOs'. */
  source(registry: MetricSource): MetricSource;
  /** Subscribes to the components and adds the SLO rules to the engine; returns the unsubscribe. */
  attach(parts: { breakers: CircuitBreaker[]; gate?: TradingGate; exchanges: ResilientExchange[]; alerts: AlertEngine }): Unsubscribe;
  close(): Promise<void>;
}

export async function configuredAnalytics(config: BulwarkConfig, deps: { storage: Storage; instance: string; chaosRuns?: ChaosRunListing }): Promise<ConfiguredAnalytics> {
  return wiredAnalytics(config.slos, deps);
}

/** The same over SLOs given directly (the demo's own, demo/demo.ts). */
export async function wiredAnalytics(slos: readonly SloDefinition[], deps: { storage: Storage; instance: string; chaosRuns?: ChaosRunListing; clock?: Clock }): Promise<ConfiguredAnalytics> {
  const service = await analyticsService({
    ...(deps.clock ? { clock: deps.clock } : {}),
    storage: deps.storage,
    instance: deps.instance,
    slos,
    latencyBucketsSeconds: METRICS_DEFAULTS.latencyBuckets,
    ...(deps.chaosRuns ? { chaosRuns: deps.chaosRuns } : {}),
  });
  return {
    service,
    source: (registry) => combinedSource(registry, service.source),
    attach({ breakers, gate, exchanges, alerts }) {
      const offs: Unsubscribe[] = [];
      for (const breaker of breakers) {
        offs.push(service.recorder.bindBreaker(breaker));
        offs.push(trackBreakerIncidents(service.incidents, breaker));
      }
      if (gate) offs.push(trackGateIncidents(service.incidents, gate));
      for (const exchange of exchanges) offs.push(trackBanIncidents(service.incidents, exchange, exchange.exchange.id));
      for (const rule of service.alertRules()) if (!alerts.get(String(rule.name))) alerts.add(rule);
      offs.push(trackAlertIncidents(service.incidents, alerts));
      return () => offs.forEach((off) => off());
    },
    close: () => service.close(),
  };
}
