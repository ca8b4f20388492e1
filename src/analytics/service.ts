/**
 * The analytics of one process, put together: the recorder, the incident log, the reader and the
 * SLO evaluator over one storage, with what the ops server serves from them. A bot that only
 * records can use `analyticsRecorder` alone.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { PrometheusRuleGroup } from '../observe/alerts/export.js';
import type { AlertRuleInput } from '../observe/alerts/rule.js';
import { type ChaosRunListing, importChaosRuns } from './incident-feeds.js';
import { type Incident, type IncidentLog, type IncidentQuery, incidentLog } from './incident-log.js';
import { type RecorderOptions } from './options.js';
import { AnalyticsReader } from './reader.js';
import { type AnalyticsRecorder, analyticsRecorder } from './recorder.js';
import { type Reliability, reliability } from './reliability.js';
import { type MetricSource, sloAlertRules, sloMetricSource } from './slo-alerts.js';
import { sloPrometheusGroups } from './slo-prometheus.js';
import { type SloDefinition, type SloEvaluator, type SloStatus, sloEvaluator } from './slo.js';

export interface AnalyticsServiceOptions extends Omit<RecorderOptions, 'clock'> {
  slos?: readonly SloDefinition[];
  /** The metrics' latency histogram bounds (seconds), for the Prometheus export of latency SLOs. */
  latencyBucketsSeconds?: readonly number[];
  /** Chaos runs, copied into the incidents before each listing. */
  chaosRuns?: ChaosRunListing;
  clock?: Clock;
}

export interface AnalyticsService {
  readonly recorder: AnalyticsRecorder;
  readonly incidents: IncidentLog;
  readonly reader: AnalyticsReader;
  readonly evaluator: SloEvaluator;
  /** The SLO series for the alert engine (combine with the registry's source). */
  readonly source: MetricSource;
  slos(): Promise<SloStatus[]>;
  listIncidents(query?: IncidentQuery): Promise<Incident[]>;
  reliability(dependency: string, fromMs: number, toMs: number): Promise<Reliability>;
  /** The engine rules of the SLOs' burn-rate alerts. */
  alertRules(): AlertRuleInput[];
  /** The SLOs' Prometheus recording rules (the alerts come with the engine's rules). */
  ruleGroups(): PrometheusRuleGroup[];
  /** Stops the recorder (writing what is buffered) and writes the queued incidents. */
  close(): Promise<void>;
}

/**
 * Opens the analytics over `options.storage` (migrations applied) and starts the recorder's
 * duties. The Prometheus export is checked here, so a latency threshold that is no histogram
 * bound stops the start with the SLO named.
 */
export async function analyticsService(options: AnalyticsServiceOptions): Promise<AnalyticsService> {
  const clock = options.clock ?? systemClock;
  const slos = options.slos ?? [];
  const groups = (): PrometheusRuleGroup[] =>
    sloPrometheusGroups(slos, { includeAlerts: false, ...(options.latencyBucketsSeconds ? { latencyBucketsSeconds: options.latencyBucketsSeconds } : {}) });
  if (options.latencyBucketsSeconds) groups();
  const recorder = analyticsRecorder({ ...options, clock });
  await recorder.start();
  const incidents = await incidentLog({ storage: options.storage, clock, ...(options.instance ? { instance: options.instance } : {}) });
  const reader = new AnalyticsReader(await recorder.bucketStore(), { tiers: [...recorder.tierList], sketch: recorder.sketchOptions, clock });
  const evaluator = sloEvaluator({ reader, slos, clock });
  const source = sloMetricSource(evaluator, { clock });
  return {
    recorder,
    incidents,
    reader,
    evaluator,
    source,
    slos: () => source.statuses(),
    async listIncidents(query = {}) {
      if (options.chaosRuns) {
        await importChaosRuns(incidents, options.chaosRuns);
        // A write still failing was emitted as `writeFailed` and stays queued; the listing goes on.
        await incidents.flush().catch(() => undefined);
      }
      return incidents.list(query);
    },
    reliability: (dependency, fromMs, toMs) => reliability(incidents, dependency, fromMs, toMs),
    alertRules: () => sloAlertRules(evaluator),
    ruleGroups: groups,
    async close() {
      await recorder.stop();
      await incidents.flush().catch(() => undefined); // a failing write was emitted as `writeFailed`
    },
  };
}
