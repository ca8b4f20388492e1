/**
 * The shapes the ops API sends. Tiles, limit usage and order views are the server's own types
 * (src/observe/views.ts has no imports, so it typechecks in the browser build); the envelopes
 * below mirror src/server/overview.ts and live-events.ts, which reach into Node-side modules.
 */
import type { DependencyTile, LimitUsage, OrderView } from '../../src/observe/views.js';

export type { DependencyTile as Tile, LimitUsage, OrderView };

export interface BreakerView {
  name: string;
  state: string;
  failureRate: number;
  notPermitted: number;
  retryAfterMs: number;
}

export interface Overview {
  at: number;
  service: string;
  health: { status: string; score: number; reasons: Array<{ check: string; status: string; lost: number; message: string }> } | null;
  gate: { mode: string; reason: string; since: number; killed: boolean; conditions: Array<{ name: string; mode: string; reason: string; acknowledged?: { reason: string; by: string; at: number } }> } | null;
  alerts: Array<{ rule: string; state: string; severity: string; value: number | null; description: string }>;
  dependencies: DependencyTile[];
  breakers: BreakerView[];
  limits: LimitUsage[];
  orders: { counts: Record<string, number>; recent: OrderView[] } | null;
  deadLetters: { pending: number; replayed: number } | null;
  fleet: { name: string } | null;
  chaos: { experiments: boolean };
  failover: { groups: number };
  /** Absent from a server older than the analytics. */
  analytics?: { enabled: boolean };
}

export interface TimelineEntry {
  id: number;
  at: number;
  kind: string;
  subject: string;
  message: string;
  severity: string;
}

export interface AlertRuleView {
  name: string;
  metric: string;
  condition: string;
  threshold: number;
  severity: string;
  description: string;
  state: string;
  value: number | null;
}

export interface DeadLetter {
  id: string;
  operation: string;
  error: string;
  status: string;
  lastFailedAt: number;
}

/** One instance of the fleet, as GET /api/instances sends it (src/fleet/control.ts InstanceView, the parts shown). */
export interface InstanceRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  lastHeartbeatAt: number;
  stale: boolean;
  leftAt: number | null;
  gateMode: string | null;
  snapshot: {
    gate: { mode: string; reason: string; killed: boolean } | null;
    breakers: Array<{ name: string; state: string }>;
    orders: Record<string, number> | null;
    /** Singleton duties it holds as leader (absent from instances of older versions). */
    duties?: string[];
    commands: { applied: number; failed: number };
  } | null;
}

/** GET /api/fleet. */
export interface FleetSummary {
  fleet: string;
  halt: { reason: string; by: string; at: number } | null;
  instances: number;
  stale: number;
}

/** One threat finding (src/security/threats.ts RecordedFinding, the parts shown). */
export interface FindingView {
  id: number;
  rule: string;
  at: number;
  severity: string;
  summary: string;
  actor?: string;
  source?: string;
}

/** GET /api/security/threats. */
export interface SecurityView {
  rules: string[];
  findings: FindingView[];
  lockouts: Array<{ source: string; failures: number; lockedUntil: number; lastKind: string }>;
  alertHoldMs: number;
}

/** GET /api/audit/verify (src/security/audit-chain.ts ChainReport). */
export interface AuditVerifyView {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string };
  broken: { seq: number; kind: string; detail: string } | null;
}

/** A shipped experiment (GET /api/chaos/experiments). */
export interface ChaosExperimentView {
  name: string;
  title: string;
  hypothesis: string;
  productionSafe: boolean;
  tags: string[];
}

/** A past or running chaos run (GET /api/chaos/runs). */
export interface ChaosRunSummaryView {
  id: string;
  title: string;
  actor: string;
  status: 'running' | 'passed' | 'failed' | 'aborted' | 'errored';
  reason: string | null;
  score: number | null;
  startedAt: number;
  endedAt: number | null;
}

/** A run's live status (GET /api/chaos/runs/:id). */
export interface ChaosRunStatusView {
  id: string;
  title: string;
  status: ChaosRunSummaryView['status'];
  currentStep: string | null;
  timeLeftMs: number;
  score: number | null;
  reason: string | null;
  probes: Array<{ key: string; name: string; phase: string; at: number; value: number | boolean | null; ok: boolean; error: string | null }>;
}

/** One endpoint of a failover group (GET /api/failover). */
export interface FailoverEndpointView {
  name: string;
  priority: number;
  weight: number;
  state: 'healthy' | 'warming' | 'ejected' | 'unhealthy' | 'drained';
  since: number;
  ejections: number;
  ejectedUntil?: number;
  inFlight: number;
  latencyMs?: number;
  share: number;
  weightFactor: number;
}

/** One change in a group's history: an endpoint's state or the group's routing. */
export interface FailoverChangeView {
  kind: 'endpoint' | 'routing';
  endpoint?: string;
  from: string;
  to: string;
  reason: string;
  detail: string;
  actor?: string;
  activePriority?: number;
  at: number;
}

/** A failover group with its history, newest first (GET /api/failover/:group). */
export interface FailoverGroupView {
  name: string;
  strategy: string;
  mode: 'automatic' | 'panic' | 'pinned' | 'forced';
  activePriority: number;
  routableShare: number;
  manual: { drained: string[]; pinned?: string; forcedPriority?: number };
  manualBy: { actor: string; reason: string | null; at: number } | null;
  endpoints: FailoverEndpointView[];
  history: FailoverChangeView[];
}

/** One burn-rate alert of an SLO (GET /api/analytics/slos). */
export interface SloAlertView {
  alert: string;
  severity: string;
  factor: number;
  longWindow: string;
  shortWindow: string;
  longBurnRate: number | null;
  shortBurnRate: number | null;
  /** Calls over the long window; the alert judges nothing unless `enoughCalls` (the SLO's minimumCalls). */
  longWindowCalls: number;
  enoughCalls: boolean;
  ratio: number | null;
  firing: boolean;
}

/** An SLO's status (GET /api/analytics/slos). */
export interface SloStatusView {
  name: string;
  dependency: string;
  kind: 'availability' | 'latency';
  objectivePercent: number;
  windowDays: number;
  minimumCalls: number;
  totalCalls: number;
  badCalls: number;
  sliPercent: number | null;
  budgetRemainingRatio: number;
  burnRates: Record<string, number | null>;
  alerts: SloAlertView[];
}

/** An incident (GET /api/analytics/incidents). */
export interface IncidentView {
  id: string;
  kind: string;
  dependency: string;
  cause: string;
  startedAt: number;
  endedAt: number | null;
  resolution: string | null;
}

/** MTBF and MTTR of one dependency over the listing's range. */
export interface ReliabilityView {
  dependency: string;
  failures: number;
  downtimeMs: number;
  mttrMs: number | null;
  mtbfMs: number | null;
}

export interface IncidentListView {
  fromMs: number;
  toMs: number;
  incidents: IncidentView[];
  reliability: ReliabilityView[];
}

/** A replay's figures as the dashboard shows them (GET /api/analytics/recommendations). */
export interface ReplayFiguresView {
  calls: number;
  failed: number;
  p99Ms: number;
  dependencyRequestsDuringOutages: number;
  openMs: number;
}

/** One recommendation of the tuning advisor, with the replay that judged it. */
export interface RecommendationView {
  id: string;
  dependency: string;
  rule: string;
  status: 'recommended' | 'not-better' | 'keep' | 'no-evidence' | 'advisory';
  summary: string;
  changes: Array<{ key?: string; option: string; from: unknown; to: unknown }>;
  replay?: { better: boolean; reasons: string[]; current: ReplayFiguresView; proposed: ReplayFiguresView };
}

export interface AdviceView {
  fromMs: number;
  toMs: number;
  recommendations: RecommendationView[];
}

/** A policy change made at run time (an apply or a revert): the key, the values before and after, who, why and when. */
export interface ConfigChangeView {
  path: string;
  from: unknown;
  to: unknown;
  at: number;
  actor?: string;
  reason?: string;
}

/** POST /api/analytics/recommendations/:id/apply, when applied live. */
export interface ApplyResultView {
  applied: true;
  id: string;
  changes: ConfigChangeView[];
}

/** A key whose value in force differs from the configuration file's. */
export interface LiveOverrideView {
  key: string;
  /** null when the file leaves the key unset. */
  file: unknown;
  value: unknown;
  actor: string;
  reason: string | null;
  at: number;
}

/** GET /api/analytics/applied: the keys that change live, those changed now, and every change since start. */
export interface AppliedView {
  keys: string[];
  overrides: LiveOverrideView[];
  history: ConfigChangeView[];
}
