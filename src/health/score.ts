/**
 * The 0-100 health score: each group's checks are averaged (by weight), the groups are weighted,
 * and every check that cost points is listed as a reason, largest loss first. A check that is
 * down caps the score under the default alert threshold, a critical one lower still, so the
 * score never reads healthy while the health report says down.
 */
import type { CheckReport, HealthReport, ReportedStatus } from './types.js';
import { checkNumber } from '../core/option-checks.js';

export interface ScoreOptions {
  /** Weight of each group; groups without checks are left out and the rest re-normalised. */
  weights?: Readonly<Record<string, number>>;
  /** Highest score while any check is down; under the default alert threshold (80), as the dashboard shows a problem. */
  downCap?: number;
  /** Highest score while a critical check is down or affected (the service is down). */
  criticalDownCap?: number;
}

export const SCORE_DEFAULTS = {
  weights: {
    resilience: 0.4, // breakers and policies decide whether calls succeed at all
    system: 0.3, // event loop, memory, CPU and disk degrade everything at once
    services: 0.2, // storage and caches: redundant or recoverable more often than not
    trading: 0.1, // feeds and backups: serious, but narrower in blast radius
  } as Readonly<Record<string, number>>,
  downCap: 79, // a check that is down is a problem the dashboard shows: the score says so too (HealthScoreLow < 80)
  criticalDownCap: 49, // a service that is down scores in the bottom half, whatever else is up
} as const;

/** How much of a check's share each status keeps. `unknown` keeps half: it cannot be vouched for. */
export const STATUS_VALUE: Readonly<Record<ReportedStatus, number>> = { up: 1, degraded: 0.5, affected: 0.5, unknown: 0.5, down: 0 };

export interface ScoreReason {
  check: string;
  group: string;
  status: ReportedStatus;
  /** Points of the 100 this check cost, to one decimal. */
  lost: number;
  message: string;
}

export interface HealthScore {
  /** 0-100, rounded to an integer. */
  score: number;
  /** Each present group's own score (0-100) and its effective weight (normalised, sums to 1). */
  groups: Record<string, { score: number; weight: number }>;
  /** The checks that lowered the score, largest loss first. */
  reasons: ScoreReason[];
}

/** Scores a health report. */
export function healthScore(report: Pick<HealthReport, 'checks'>, options: ScoreOptions = {}): HealthScore {
  const weights = options.weights ?? SCORE_DEFAULTS.weights;
  const downCap = options.downCap ?? SCORE_DEFAULTS.downCap;
  const criticalDownCap = options.criticalDownCap ?? SCORE_DEFAULTS.criticalDownCap;
  for (const [name, cap] of [['downCap', downCap], ['criticalDownCap', criticalDownCap]] as const) {
    checkNumber('healthScore', name, cap, 0, 100);
  }
  // Caps follow status, not weight: a check that weighs 0 still says the service is down.
  const down = report.checks.filter((c) => c.status === 'down' || (c.critical && c.status === 'affected'));
  const cap = down.some((c) => c.critical) ? criticalDownCap : down.length > 0 ? downCap : 100;
  for (const [group, weight] of Object.entries(weights)) {
    checkNumber('healthScore', `weights["${group}"]`, weight, 0);
  }
  const byGroup = new Map<string, CheckReport[]>();
  for (const check of report.checks) {
    if (!(check.group in weights) || check.weight === 0) continue;
    byGroup.set(check.group, [...(byGroup.get(check.group) ?? []), check]);
  }
  const present = [...byGroup.keys()].filter((g) => (weights[g] ?? 0) > 0);
  const total = present.reduce((sum, g) => sum + (weights[g] ?? 0), 0);
  if (total === 0) return capped({ score: 100, groups: {}, reasons: [] }, cap, down);

  let score = 0;
  const groups: HealthScore['groups'] = {};
  const reasons: ScoreReason[] = [];
  for (const group of present) {
    const share = (weights[group] ?? 0) / total;
    const checks = byGroup.get(group) ?? [];
    const groupWeight = checks.reduce((sum, c) => sum + c.weight, 0);
    let groupValue = 0;
    for (const check of checks) {
      const value = STATUS_VALUE[check.status];
      groupValue += (value * check.weight) / groupWeight;
      const lost = share * (check.weight / groupWeight) * (1 - value) * 100;
      if (lost > 0) {
        reasons.push({
          check: check.name,
          group,
          status: check.status,
          lost: Math.round(lost * 10) / 10,
          message: check.message ?? `${check.name} is ${check.status}`,
        });
      }
    }
    groups[group] = { score: Math.round(groupValue * 1000) / 10, weight: Math.round(share * 10_000) / 10_000 };
    score += share * groupValue * 100;
  }
  return capped({ score: Math.round(score), groups, reasons }, cap, down);
}

/** Applies the cap; the points it takes are charged to the check that set it, so the reasons still add up. */
function capped(result: HealthScore, cap: number, down: CheckReport[]): HealthScore {
  const { reasons } = result;
  if (result.score > cap) {
    const by = down.find((c) => c.critical) ?? down[0]!;
    const extra = result.score - cap;
    const reason = reasons.find((r) => r.check === by.name);
    if (reason) reason.lost = Math.round((reason.lost + extra) * 10) / 10;
    else reasons.push({ check: by.name, group: by.group, status: by.status, lost: extra, message: by.message ?? `${by.name} is ${by.status}` });
  }
  reasons.sort((a, b) => b.lost - a.lost || a.check.localeCompare(b.check));
  return { ...result, score: Math.min(result.score, cap) };
}
