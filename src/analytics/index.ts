/**
 * bulwark/analytics: what really happened to each dependency. The recorder keeps outcome counts
 * and latency sketches over time in the configured storage; incidents and their MTBF/MTTR;
 * SLOs with error budgets and multi-window burn-rate alerts; the what-if replay of a recorded
 * trace through policy settings (docs/analytics.md).
 */
export { analyticsRecorder, AnalyticsRecorder, OTHER_DEPENDENCY, type RecorderEvents, type RecorderStats } from './recorder.js';
export { RECORDER_DEFAULTS, type RecorderOptions, type RecordingTier } from './options.js';
export { analyticsReader, AnalyticsReader, latencyPercentiles, type RangeSummary, type ReaderOptions } from './reader.js';
export { analyticsBucketsMigration, bucketStore, type BucketRow, type BucketStore } from './bucket-store.js';
export type { Cell } from './cell.js';
export { outcomes, type Outcome, type OutcomeCounts } from './outcomes.js';
export { SKETCH_DEFAULTS, countAbove, decodeSketch, encodeSketch, newSketch, quantileOf, type LatencySketch, type SketchOptions } from './latency-sketch.js';
export { incidentLog, IncidentLog, INCIDENT_LOG_DEFAULTS, analyticsIncidentsMigration, analyticsObservationMigration, incidentKinds, type Incident, type IncidentKind, type IncidentLogEvents, type IncidentLogOptions, type IncidentQuery } from './incident-log.js';
export { trackBreakerIncidents, trackGateIncidents, trackBanIncidents, trackAlertIncidents, importChaosRuns, type ChaosRunListing } from './incident-feeds.js';
export { reliability, reliabilityOf, observedFrom, RELIABILITY_KINDS, type Reliability } from './reliability.js';
export { BURN_RATE_ALERTS, burnFactor, burnWindowsMs, promDuration, type BurnRateAlert } from './burn-rate.js';
export { sloEvaluator, SloEvaluator, SLO_DEFAULTS, type SloDefinition, type SloStatus, type BurnAlertStatus, type SloEvaluatorOptions } from './slo.js';
export { sloMetricSource, combinedSource, sloAlertRules, sloAlertName, sloMetricNames, SLO_SOURCE_DEFAULTS, type MetricSource as SloMetricSource, type Sample as SloSample } from './slo-alerts.js';
export { sloPrometheusGroups, SLO_SOURCE_METRICS, type SloPrometheusOptions } from './slo-prometheus.js';
export { analyticsService, type AnalyticsService, type AnalyticsServiceOptions } from './service.js';
export { analyticsReport, renderAnalyticsReport, REPORT_DEFAULTS, type AnalyticsReport, type DependencyReport, type SloReport } from './report/index.js';
export {
  replay,
  traceFromRecording,
  REPLAY_DEFAULTS,
  TRACE_FROM_RECORDING_DEFAULTS,
  ReplayedFailure,
  type CallTrace,
  type TraceCall,
  type TraceOutcome,
  type PolicySettings,
  type ReplayRetrySettings,
  type ReplayBreakerSettings,
  type ReplayBackoff,
  type ReplayRetryBudget,
  type ReplayReport,
  type CallerView,
  type OutageWindow,
  type ReplayOptions,
  type TraceFromRecordingOptions,
} from './replay/index.js';
export * from './advisor/index.js';
export * from './anomaly/index.js';
