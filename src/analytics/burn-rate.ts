/**
 * Multi-window, multi-burn-rate alerts as in the Google SRE workbook (chapter "Alerting on
 * SLOs"). An alert fires when the error budget burns at `factor` times the sustainable rate over
 * both its long window (the budget really is going) and its short one (it is still going now, so
 * the alert resets soon after the burn stops). The factor spends `budgetPercent` of the budget
 * over the long window: factor = budgetPercent/100 x SLO window / long window, which gives the
 * workbook's 14.4, 6, 3 and 1 for a 30-day window (and 13.44, 5.6, 2.8, 0.93 for 28 days).
 */

export interface BurnRateAlert {
  /** Names the alert (the `alert` label). */
  alert: string;
  /** critical pages someone now; warning opens a ticket. */
  severity: 'critical' | 'warning';
  longWindowMs: number;
  shortWindowMs: number;
  /** The share of the whole window's budget that firing means has been spent over the long window. */
  budgetPercent: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const BURN_RATE_ALERTS: readonly BurnRateAlert[] = [
  { alert: 'page-1h', severity: 'critical', longWindowMs: HOUR, shortWindowMs: 5 * MINUTE, budgetPercent: 2 }, // 14.4x at 30 d
  { alert: 'page-6h', severity: 'critical', longWindowMs: 6 * HOUR, shortWindowMs: 30 * MINUTE, budgetPercent: 5 }, // 6x
  { alert: 'ticket-1d', severity: 'warning', longWindowMs: DAY, shortWindowMs: 2 * HOUR, budgetPercent: 10 }, // 3x
  { alert: 'ticket-3d', severity: 'warning', longWindowMs: 3 * DAY, shortWindowMs: 6 * HOUR, budgetPercent: 10 }, // 1x
];

/** The burn-rate factor of `alert` for an SLO window of `windowDays`. */
export function burnFactor(alert: BurnRateAlert, windowDays: number): number {
  return Number((((alert.budgetPercent / 100) * windowDays * DAY) / alert.longWindowMs).toFixed(6));
}

/** Every window the alerts read, shortest first. */
export function burnWindowsMs(alerts: readonly BurnRateAlert[] = BURN_RATE_ALERTS): number[] {
  return [...new Set(alerts.flatMap((a) => [a.longWindowMs, a.shortWindowMs]))].sort((a, b) => a - b);
}

/** A window as Prometheus writes a duration: 5m, 1h, 1d, 28d. */
export function promDuration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${ms / 1000}s`;
}
