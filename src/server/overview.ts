/**
 * The dashboard's picture of the service in one JSON document: health score and reasons, the
 * trading gate, active alerts, dependency tiles, breakers, rate limits, orders, dead letters, and
 * whether chaos experiments and failover groups are there (their sections fetch their own data).
 * Served at /api/overview and streamed as the `snapshot` event.
 */
import { type ScoreReason, healthScore } from '../health/score.js';
import type { DependencyTile } from '../observe/dependency-tiles.js';
import type { LimitUsage } from '../observe/limit-usage.js';
import type { CircuitBreakerMetrics } from '../policies/breaker/index.js';
import type { GateChange, GateCondition, TradingMode } from '../trading/gate.js';
import { type OrderView, type ServerComponents, breakerName } from './components.js';

export interface BreakerView extends CircuitBreakerMetrics {
  name: string;
}

export interface Overview {
  at: number;
  service: string;
  health: { status: string; score: number; reasons: ScoreReason[] } | null;
  gate: { mode: TradingMode; reason: string; since: number; killed: boolean; conditions: GateCondition[]; history: GateChange[] } | null;
  alerts: Array<{ rule: string; state: string; severity: string; value: number | null; description: string; since: number | null }>;
  dependencies: DependencyTile[];
  breakers: BreakerView[];
  limits: LimitUsage[];
  orders: { counts: Record<string, number>; recent: OrderView[] } | null;
  deadLetters: { pending: number; replayed: number } | null;
  /** The fleet the server steers (its instances are at /api/instances), or null. */
  fleet: { name: string } | null;
  /** Whether the server runs chaos experiments (/api/chaos/experiments); the dashboard asks for them only then. */
  chaos: { experiments: boolean };
  /** How many failover groups the server routes (/api/failover); the dashboard shows its failover section only when there are some. */
  failover: { groups: number };
  /** Whether the server runs the analytics (/api/analytics); the dashboard shows its SLO and incident section only then. */
  analytics: { enabled: boolean };
}

export function breakerView(name: string, metrics: CircuitBreakerMetrics): BreakerView {
  return { name, ...metrics };
}

/** Builds the overview from whatever components are configured. */
export async function buildOverview(c: ServerComponents, now: number): Promise<Overview> {
  let health: Overview['health'] = null;
  if (c.health) {
    const report = await c.health.check();
    const score = healthScore(report);
    health = {
      status: report.status,
      score: score.score,
      reasons: score.reasons,
    };
  }
  const gate: Overview['gate'] = c.gate ? { ...c.gate.status, history: c.gate.history().slice(-20) } : null;
  const alerts: Overview['alerts'] = (c.alerts?.active() ?? []).map((a) => ({
    rule: a.rule.name,
    state: a.state,
    severity: a.rule.severity,
    value: Number.isFinite(a.value) ? a.value : null,
    description: a.rule.description,
    since: a.firingAt ?? a.activeAt ?? null,
  }));
  let deadLetters: Overview['deadLetters'] = null;
  if (c.deadLetters) {
    const [pending, replayed] = await Promise.all([c.deadLetters.queue.count({ status: 'pending' }), c.deadLetters.queue.count({ status: 'replayed' })]);
    deadLetters = { pending, replayed };
  }
  return {
    at: now,
    service: c.serviceId ?? 'bulwark',
    health,
    gate,
    alerts,
    dependencies: (c.dependencies?.() ?? []).map((d) => d.tile()),
    breakers: (c.breakers?.breakers() ?? []).map((b) => breakerView(breakerName(b), b.metrics())),
    limits: c.limits?.() ?? [],
    orders: c.orders ? { counts: await c.orders.counts(), recent: await c.orders.recent(20) } : null,
    deadLetters,
    fleet: c.fleet ? { name: c.fleet.fleet } : null,
    chaos: { experiments: c.chaos?.experiments !== undefined },
    failover: { groups: c.failover?.groups().length ?? 0 },
    analytics: { enabled: c.analytics !== undefined },
  };
}
