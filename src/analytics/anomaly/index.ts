/** Anomaly detection over the recording and the service's counters (docs/analytics.md, "Anomaly detection"). */
export { anomalyDetector, AnomalyDetector, type AnomalyDetectorEvents, type SeriesPoint, type SeriesState, type SeriesStateChange, type SeriesStatus } from './detector.js';
export { ANOMALY_DETECTOR_DEFAULTS, SERIES_KIND_DEFAULTS, seriesKinds, type AnomalyDetectorOptions, type Direction, type Seasonality, type SeriesKind, type SeriesSpec } from './options.js';
export { MAD_SCALE, median, robustBand, type RobustBand } from './robust-band.js';
export { SeasonalProfile, hourOfDay, type ProfileHour } from './seasonal-profile.js';
export { LocalHours } from './local-hours.js';
export { analyticsAnomalyProfileMigration, profileStore, type ProfileChange, type ProfileStore } from './profile-store.js';
export { anomalyProfileKeeper, AnomalyProfileKeeper, PROFILE_KEEPER_DEFAULTS, type ProfileKeeperEvents, type ProfileKeeperOptions, type ProfileKeeperStats } from './profile-keeper.js';
export { recordedFeed, counterRateFeed, RECORDED_FEED_DEFAULTS, type RecordedFeedOptions, type SeriesFeed } from './series-feeds.js';
export { anomalyMonitor, AnomalyMonitor, ANOMALY_MONITOR_DEFAULTS, type AnomalyMonitorEvents, type AnomalyMonitorOptions } from './anomaly-monitor.js';
export { anomalyMetricSource, anomalyAlertRules, anomalyAlertName, anomalyAnnotations, isAnomalyRule, anomalyMetricNames } from './anomaly-alerts.js';
