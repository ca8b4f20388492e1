/** The analytics report: its content as JSON (report-data.ts) and as a self-contained HTML page (html.ts). */
export { analyticsReport, REPORT_DEFAULTS, REPORT_QUANTILES, type AnalyticsReport, type DependencyReport, type ReportOptions, type ReportPoint, type SloBurnPoint, type SloReport } from './report-data.js';
export { renderAnalyticsReport, formatDuration } from './html.js';
