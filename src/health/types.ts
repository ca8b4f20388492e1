/** The vocabulary of health checks: statuses, outcomes, definitions and reports. */
import type { CheckResultLike } from '../core/health-check-like.js';

/** A check's own status. Severity order: down > degraded > up > unknown. */
export type HealthStatus = 'up' | 'degraded' | 'down' | 'unknown';

/** What a report shows: a check's own status, or `affected` when a dependency it needs is down. */
export type ReportedStatus = HealthStatus | 'affected';

/** Score groups; a check may use any other name too. */
export type HealthGroup = 'resilience' | 'system' | 'services' | 'trading' | (string & {});

/** A check's result; its `details` (JSON-safe facts: observed value, unit, thresholds) are hidden from unauthorised HTTP callers. */
export type CheckOutcome = CheckResultLike<HealthStatus>;

/** A check returns true (up), false (down), an outcome, or throws (down, with the error's message). */
export type CheckFunction = (ctx: { signal: AbortSignal }) => boolean | CheckOutcome | Promise<boolean | CheckOutcome>;

export interface HealthCheckDefinition {
  /** Unique name; other checks name it in `dependsOn`. */
  name: string;
  check: CheckFunction;
  /** Time allowed per run; past it the run counts as down. */
  timeoutMs?: number;
  /** Period of background runs; results are cached for this long. */
  intervalMs?: number;
  /** A critical check that is down makes the whole service down; a non-critical one only degrades it. */
  critical?: boolean;
  tags?: readonly string[];
  /** Names of checks this one needs; when one is down this check is reported `affected`. */
  dependsOn?: readonly string[];
  /** Score group. */
  group?: HealthGroup;
  /** Weight inside its group. */
  weight?: number;
  /** IETF health+json key is `component:measurement`. */
  component?: string;
  measurement?: string;
}

/** One check in a report. */
export interface CheckReport {
  name: string;
  status: ReportedStatus;
  /** The check's own result (for `affected`, what it would say if run; `unknown` when skipped). */
  ownStatus: HealthStatus;
  /** For `affected`: the checks found down, roots first. */
  cause?: string[];
  message?: string;
  details?: Record<string, unknown>;
  critical: boolean;
  group: HealthGroup;
  weight: number;
  tags: readonly string[];
  component: string;
  measurement: string;
  /** Clock time of the run the result comes from (undefined when never run). */
  checkedAt: number | undefined;
  durationMs: number | undefined;
}

export interface HealthReport {
  /** Worst of the checks: a critical check down (or affected) = down; any other problem = degraded. */
  status: HealthStatus;
  checks: CheckReport[];
  at: number;
}

/** Severity rank: larger is worse. */
export const SEVERITY: Readonly<Record<HealthStatus, number>> = { unknown: 0, up: 1, degraded: 2, down: 3 };

/** The worse of two statuses (down > degraded > up > unknown). */
export function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}
