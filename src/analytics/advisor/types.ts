/**
 * The tuning advisor's shapes: the evidence read from the recording, a rule's proposal, and a
 * recommendation with the replay of the current and the proposed settings side by side.
 */
import type { PolicySettings, ReplayReport } from '../replay/types.js';

/** What the recording says about one dependency over the range the advisor reads. */
export interface DependencyEvidence {
  dependency: string;
  fromMs: number;
  toMs: number;
  /** Calls recorded, refusals included. */
  calls: number;
  success: number;
  failure: number;
  timeout: number;
  rejected: number;
  /** Calls per second over the range. */
  callsPerSecond: number;
  /** Latency of successful calls (ms; NaN without one). */
  p50Ms: number;
  p99Ms: number;
  p99_9Ms: number;
  /** Failed share (failures and timeouts over the calls that ran) of the whole range. */
  errorRate: number;
  /** The median of the buckets' failed shares: the error rate of an ordinary bucket, outages aside. */
  baselineErrorRate: number;
  /** Buckets read and the bucket width (ms). */
  buckets: number;
  bucketMs: number;
  /** The start of the bucket with the most failed calls (null without a failure): where a replay window is centred. */
  worstBucketMs: number | null;
  /** The span the replays ran over (the whole range, or a window of it around the worst bucket); set by the advisor. */
  replayFromMs?: number;
  replayToMs?: number;
}

/** The exchange's own count of a weight budget, as its used-weight header reported it. */
export interface WeightObservation {
  /** The budget (e.g. `REQUEST_WEIGHT`) and its limit per window, from the budget table. */
  budget: string;
  limit: number;
  windowMs: number;
  /** Samples seen, and the highest and 99th-percentile counts the header reported. */
  samples: number;
  peakUsed: number;
  p99Used: number;
}

/** A source of weight observations (e.g. `weightObserver` over an `exchangeRateBudget`). */
export interface WeightEvidenceSource {
  observations(): WeightObservation[];
}

export const adviceRules = ['timeout', 'breaker', 'retry', 'rate-limit-headroom'] as const;
export type AdviceRule = (typeof adviceRules)[number];

/** One key of the service configuration a recommendation changes. */
export interface ConfigChangeProposal {
  /** Dotted YAML path, e.g. `policies.timeout.ms`; absent when the setting is no config key (a library option). */
  key?: string;
  /** The library option it corresponds to, e.g. `retry.retryBudget`. */
  option: string;
  from: unknown;
  to: unknown;
}

/** What a rule proposes from the evidence, before the replay judges it. */
export interface RuleProposal {
  rule: AdviceRule;
  /** One sentence: what to change and why. */
  summary: string;
  /** The figures the proposal rests on (ms, ratios, counts; units in the names). */
  evidence: Record<string, number | string | boolean | null>;
  /** The settings with the change applied; absent when nothing changes or there is no evidence. */
  proposed?: PolicySettings;
  changes: ConfigChangeProposal[];
  /** `proposed`: a change to judge; `keep`: the current setting fits; `no-evidence`: nothing to judge on; `advisory`: a figure to act on outside the policies. */
  kind: 'proposed' | 'keep' | 'no-evidence' | 'advisory';
}

/** The replay's verdict on a proposal: both reports and why one is better. */
export interface ReplayComparison {
  current: ReplayReport;
  proposed: ReplayReport;
  better: boolean;
  /** Each improvement and regression, in words with the numbers (e.g. `failed 120 -> 40`). */
  reasons: string[];
}

export type RecommendationStatus =
  /** The replay says the proposed settings are better: shown, can be applied. */
  | 'recommended'
  /** The replay did not find the proposal better: kept for the record, not shown as advice. */
  | 'not-better'
  /** The current setting fits the evidence. */
  | 'keep'
  /** Too little recorded to judge. */
  | 'no-evidence'
  /** A figure without a policy change to replay (rate-limit headroom). */
  | 'advisory';

export interface Recommendation extends Omit<RuleProposal, 'kind'> {
  /** Stable for the same dependency and rule: `<rule>:<dependency>`. */
  id: string;
  dependency: string;
  status: RecommendationStatus;
  current: PolicySettings;
  replay?: ReplayComparison;
}

export interface AdviceReport {
  fromMs: number;
  toMs: number;
  /** The settings judged against, and where they came from (a config file, given settings, the defaults). */
  current: PolicySettings;
  currentFrom: string;
  dependencies: DependencyEvidence[];
  recommendations: Recommendation[];
}
