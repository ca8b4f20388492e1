/**
 * What the ops server runs over. Every part is optional: a route whose component is missing
 * answers 404 with a message saying it is not configured, so the same server serves the demo,
 * a full deployment and a test with one breaker.
 */
import type { AnalyticsService } from '../analytics/service.js';
import type { AdviceService } from '../analytics/advisor/advice-service.js';
import type { ChaosExperiments } from '../chaos/experiments/chaos-experiments.js';
import type { Clock } from '../core/clock.js';
import type { Backups } from '../backup/backups.js';
import type { FaultProxies } from '../chaos/proxy/proxies.js';
import type { DeadLetterQueue, ReplayHandler } from '../dlq/dead-letters.js';
import type { FailoverGroup } from '../failover/types.js';
import type { RegionLease } from '../failover/region-lease.js';
import type { FleetControl } from '../fleet/control.js';
import type { HealthRegistry } from '../health/registry.js';
import type { DependencyStats } from '../observe/dependency-tiles.js';
import type { LimitUsage } from '../observe/limit-usage.js';
import type { OrdersView } from '../observe/order-outcomes.js';
import type { Metrics } from '../observe/metrics.js';
import type { AlertEngine } from '../observe/alerts/engine.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import type { AuditLog } from '../security/audit-log.js';
import type { Lockout } from '../security/lockout.js';
import type { ThreatDetector } from '../security/threats.js';
import type { TradingGate } from '../trading/gate.js';
import type { LiveEvents } from './live-events.js';
import type { LivePolicies } from './live-policies.js';
import type { OperatorState } from './operator-state.js';

export type { OrderView, OrdersView } from '../observe/order-outcomes.js';

/** An exchange account as the exchange reports it. */
export interface AccountSnapshot {
  exchange: string;
  at: number;
  /** Currencies with a non-zero total. */
  balances: Record<string, { free: number; used: number; total: number }>;
  openOrders: Array<{ id: string; clientOrderId: string | undefined; symbol: string; side: string; type: string | undefined; price: number | undefined; amount: number; filled: number; timestamp: number | undefined }>;
}

export interface AccountView {
  snapshot(): Promise<AccountSnapshot>;
}

/** The breakers the server lists and controls (a PolicyRegistry fits). */
export interface BreakerDirectory {
  breakers(): CircuitBreaker[];
}

/** A breaker's name as the API shows it (breakers made without one are 'unnamed'). */
export function breakerName(breaker: CircuitBreaker): string {
  return breaker.name ?? 'unnamed';
}

export interface ServerComponents {
  metrics: Metrics;
  /** Live events (timeline and SSE); one is made when omitted. */
  events?: LiveEvents;
  health?: HealthRegistry;
  /** Score weights per check group for /health/score (default: the score defaults); give the ones the metrics use. */
  healthWeights?: Readonly<Record<string, number>>;
  /** False while shutting down: /readyz fails at once. */
  isReady?: () => boolean;
  breakers?: BreakerDirectory;
  /** Rolling figures per dependency for the tiles. */
  dependencies?: () => DependencyStats[];
  limits?: () => LimitUsage[];
  gate?: TradingGate;
  orders?: OrdersView;
  /** The exchange account the service watches (balances, open orders). */
  account?: AccountView;
  /** Every account by name, when the service watches several (`exchanges:`); `/api/account?name=` picks one. */
  accounts?: ReadonlyMap<string, AccountView>;
  deadLetters?: { queue: DeadLetterQueue; replay: ReplayHandler };
  backups?: Backups;
  alerts?: AlertEngine;
  /** Recording, incidents and SLOs (analytics/): /api/analytics/*, and the SLO recording rules in /api/alerts/rules.yaml. */
  analytics?: Pick<AnalyticsService, 'slos' | 'listIncidents' | 'reliability' | 'ruleGroups'>;
  /** The tuning advisor (analytics/advisor/): /api/analytics/recommendations, and applying one. */
  advice?: AdviceService;
  /** The policies that change at run time (a tuning applied live): the changes in force, their history, revert. */
  livePolicies?: Pick<LivePolicies, 'overrides' | 'history' | 'set' | 'revert' | 'keys'>;
  /** The fleet's instances and commands (fleetControl over Redis): /api/instances and /api/fleet. */
  fleet?: FleetControl;
  /** The tamper-evident audit log: every state-changing request is recorded, and /api/audit serves it. */
  audit?: AuditLog;
  /**
   * Fault injection, present only when `features.chaos` is on: /api/chaos/* answers 404 "chaos is
   * off" without it. `proxies`: the network fault proxies (/api/chaos/proxies); `experiments`: the
   * experiment runs (/api/chaos/experiments, /api/chaos/runs).
   */
  chaos?: { proxies?: FaultProxies; experiments?: ChaosExperiments };
  /**
   * Threat detection: the detector (its findings at /api/security/threats, alerts through `alerts`)
   * and the lockout of sources failing sign-ins or tokens (429 before any hash is computed).
   */
  threats?: { detector: ThreatDetector; lockout?: Lockout };
  /** Failover groups (exchange endpoints, database replicas): /api/failover and the dashboard's failover section. */
  failover?: { groups(): ReadonlyArray<FailoverGroup<unknown>> };
  /**
   * The region lease, when this deployment is one of two regions in active-passive (`region:` in the
   * config): /api/region and the dashboard's failover section. `status()` is RegionStatus
   * (failover/region-lease.ts): region, role ('active' | 'passive' | 'unknown'), reason, holder, epoch,
   * expiresAt (the database's time), tradeUntil, history.
   */
  region?: Pick<RegionLease, 'status' | 'release'>;
  /** Operator actions (kill switch, isolations, rule changes) kept in storage and restored at start; memory only when omitted. */
  operatorState?: OperatorState;
  clock?: Clock;
  /** Service name in health output and the dashboard title. */
  serviceId?: string;
  version?: string;
}
