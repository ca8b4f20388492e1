/**
 * The service's analytics (analytics/): the breakers' calls recorded, incidents from the breakers,
 * the gate, each account's bans and the alert engine, and the configured SLOs (`slos:`), whose
 * burn-rate alerts the alert engine evaluates over the SLO series; the tuning advisor over the
 * recording, judging the configuration's `policies:`, with the accounts' used-weight headers; and
 * with `analytics.anomaly.enabled`, the anomaly detector over each breaker's p99 latency and error
 * rate, the placed orders and the 429s, with an `anomaly-*` alert per series; its hour-of-day
 * profiles are kept in the storage under the instance's name, so a restart keeps them.
 */
import { type AnalyticsService, analyticsService } from '../analytics/service.js';
import { combinedSource } from '../analytics/slo-alerts.js';
import type { SloDefinition } from '../analytics/slo.js';
import { type AnomalyDetector, anomalyDetector } from '../analytics/anomaly/detector.js';
import { anomalyMonitor } from '../analytics/anomaly/anomaly-monitor.js';
import { type AnomalyProfileKeeper, anomalyProfileKeeper } from '../analytics/anomaly/profile-keeper.js';
import { anomalyAlertRules, anomalyMetricSource } from '../analytics/anomaly/anomaly-alerts.js';
import { counterRateFeed, recordedFeed, type SeriesFeed } from '../analytics/anomaly/series-feeds.js';
import type { SeriesSpec } from '../analytics/anomaly/options.js';
import { trackAlertIncidents, trackBanIncidents, trackBreakerIncidents, trackGateIncidents, type ChaosRunListing } from '../analytics/incident-feeds.js';
import { adviceService, type AdviceService } from '../analytics/advisor/advice-service.js';
import { tuningAdvisor } from '../analytics/advisor/advisor.js';
import { settingsFromConfig } from '../analytics/advisor/policy-settings.js';
import type { WeightEvidenceSource } from '../analytics/advisor/types.js';
import type { PolicySettings } from '../analytics/replay/types.js';
import { type WeightObserver, weightObserver } from '../analytics/advisor/weight-observer.js';
import type { ExchangeRateBudget } from '../limits/budgets/exchange-rate-budget.js';
import type { Clock } from '../core/clock.js';
import type { BulwarkConfig } from '../config/schema.js';
import type { AnalyticsConfig } from '../config/analytics-schema.js';
import type { Unsubscribe } from '../core/events.js';
import type { AlertEngine } from '../observe/alerts/engine.js';
import type { MetricSource } from '../observe/alerts/source.js';
import { METRICS_DEFAULTS } from '../observe/metrics.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import type { Storage } from '../storage/types.js';
import type { ResilientExchange } from '../trading/exchange.js';
import type { TradingGate } from '../trading/gate.js';
import { presetBreakerOptions } from '../trading/presets.js';
import type { LivePolicies } from './live-policies.js';

export interface ConfiguredAnalytics {
  service: AnalyticsService;
  /** The tuning advisor over the recording, judging the configuration's policies. */
  advice: AdviceService;
  /** The anomaly detector (`analytics.anomaly.enabled`); its series are added by `attach`. */
  anomalies?: AnomalyDetector;
  /** Keeps the detector's hour-of-day profiles in the storage (with `seasonality: 'hour-of-day'`). */
  profiles?: AnomalyProfileKeeper;
  /** The alert engine's source: the registry's series, the SLOs' and the anomalies'. */
  source(registry: MetricSource): MetricSource;
  /**
   * Subscribes to the components, adds the SLO rules to the engine and starts the anomaly detector
   * over the breakers and the registry's counters (`metrics`); returns the unsubscribe.
   */
  attach(parts: { breakers: CircuitBreaker[]; gate?: TradingGate; exchanges: ResilientExchange[]; alerts: AlertEngine; rateBudgets?: ExchangeRateBudget[]; metrics?: MetricSource }): Unsubscribe;
  close(): Promise<void>;
}

export async function configuredAnalytics(config: BulwarkConfig, deps: { storage: Storage; instance: string; chaosRuns?: ChaosRunListing; live?: LivePolicies }): Promise<ConfiguredAnalytics> {
  const { live, ...rest } = deps;
  const current = live ? live.settings : settingsFromConfig(config, { breakerWindow: presetBreakerOptions('exchangeApi').window });
  const from = `the configuration${live ? ' with the changes applied live' : ''}${config.policies.breaker.window ? '' : ' (breakers: the exchangeApi preset window)'}`;
  return wiredAnalytics(config.slos, { ...rest, anomaly: config.analytics.anomaly, settings: { current, from }, ...(live ? { live } : {}) });
}

/** The same over SLOs given directly (the demo's own, demo/demo.ts). */
export async function wiredAnalytics(
  slos: readonly SloDefinition[],
  deps: {
    storage: Storage;
    instance: string;
    chaosRuns?: ChaosRunListing;
    clock?: Clock;
    /** The policies the tuning advisor judges (a function when they change at run time), and where they come from. */
    settings: { current: PolicySettings | (() => PolicySettings); from: string };
    /** Policies that change at run time: the advisor applies its recommendations there (else it answers with the diff to restart with). */
    live?: Pick<LivePolicies, 'runtime' | 'keys'>;
    /** The anomaly detector (`analytics.anomaly`); none unless given and enabled. */
    anomaly?: AnalyticsConfig['anomaly'];
  },
): Promise<ConfiguredAnalytics> {
  const service = await analyticsService({
    ...(deps.clock ? { clock: deps.clock } : {}),
    storage: deps.storage,
    instance: deps.instance,
    slos,
    latencyBucketsSeconds: METRICS_DEFAULTS.latencyBuckets,
    ...(deps.chaosRuns ? { chaosRuns: deps.chaosRuns } : {}),
  });
  // The exchange's used-weight headers, as the accounts' shared budgets read them (none without Redis).
  const observers: WeightObserver[] = [];
  const weights: WeightEvidenceSource = { observations: () => observers.flatMap((o) => o.observations()) };
  // With live policies a recommendation is applied at run time; without, applying answers with the diff to restart with.
  const clock = deps.clock ? { clock: deps.clock } : {};
  const live = deps.live ? { live: { runtime: deps.live.runtime, paths: deps.live.keys } } : {};
  const advice = adviceService({ advisor: tuningAdvisor({ reader: service.reader, current: deps.settings.current, currentFrom: deps.settings.from, weights }, clock), ...clock, ...live });
  const { enabled = false, ...anomalyOptions } = deps.anomaly ?? {};
  const anomalies = enabled ? anomalyDetector({ ...anomalyOptions, ...clock }) : undefined;
  // The learned hours of the day, read back before any series is added and written until close.
  let profiles: AnomalyProfileKeeper | undefined;
  if (anomalies && anomalies.options.seasonality === 'hour-of-day') {
    profiles = anomalyProfileKeeper({ detector: anomalies, storage: deps.storage, instance: deps.instance });
    try {
      await profiles.start();
    } catch (error) {
      await service.close();
      throw error;
    }
  }
  return {
    service,
    advice,
    ...(anomalies ? { anomalies } : {}),
    ...(profiles ? { profiles } : {}),
    source: (registry) => (anomalies ? combinedSource(registry, service.source, anomalyMetricSource(anomalies)) : combinedSource(registry, service.source)),
    attach({ breakers, gate, exchanges, alerts, rateBudgets = [], metrics }) {
      const offs: Unsubscribe[] = [];
      for (const budget of rateBudgets) {
        const observer = weightObserver(budget);
        observers.push(observer);
        offs.push(() => {
          observer.close();
          observers.splice(observers.indexOf(observer), 1);
        });
      }
      for (const breaker of breakers) {
        offs.push(service.recorder.bindBreaker(breaker));
        offs.push(trackBreakerIncidents(service.incidents, breaker));
      }
      if (gate) offs.push(trackGateIncidents(service.incidents, gate));
      for (const exchange of exchanges) offs.push(trackBanIncidents(service.incidents, exchange, exchange.exchange.id));
      for (const rule of service.alertRules()) if (!alerts.get(String(rule.name))) alerts.add(rule);
      offs.push(trackAlertIncidents(service.incidents, alerts));
      if (anomalies) {
        const series: Array<{ spec: SeriesSpec; feed: SeriesFeed }> = [];
        for (const name of new Set(breakers.map((b) => b.name ?? 'breaker'))) {
          series.push({ spec: { name: `${name} latency`, kind: 'latency' }, feed: recordedFeed(service.reader, name, 'latency') });
          series.push({ spec: { name: `${name} errors`, kind: 'error-rate' }, feed: recordedFeed(service.reader, name, 'error-rate') });
        }
        if (metrics) {
          series.push({ spec: { name: 'orders placed', kind: 'order-rate' }, feed: counterRateFeed(metrics, 'bulwark_orders_total', { outcome: 'placed' }) });
          series.push({ spec: { name: '429s', kind: 'throttle-rate' }, feed: counterRateFeed(metrics, 'bulwark_exchange_throttled_total', { status: '429' }) });
        }
        const monitor = anomalyMonitor({ detector: anomalies, series });
        for (const rule of anomalyAlertRules(anomalies)) if (!alerts.get(String(rule.name))) alerts.add(rule);
        monitor.start();
        offs.push(() => monitor.stop());
      }
      return () => offs.forEach((off) => off());
    },
    async close() {
      // A failing last write was emitted as `writeFailed`; the recording is closed regardless.
      await profiles?.stop();
      await service.close();
    },
  };
}
