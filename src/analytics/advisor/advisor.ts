/**
 * The tuning advisor: per dependency, reads the evidence from the recording, asks each rule for a
 * proposal, and replays the dependency's recorded trace through the current and the proposed
 * settings (both with the same seeded randomness). A proposal becomes a recommendation only when
 * the replay says it is better (better.ts); the others are kept with their reason.
 */
import { seededRandom } from '../../core/random.js';
import type { AnalyticsReader } from '../reader.js';
import { replay as replayTrace } from '../replay/replay.js';
import { traceFromRecording } from '../replay/trace-from-recording.js';
import type { CallTrace, PolicySettings, ReplayReport } from '../replay/types.js';
import { compareReplays } from './better.js';
import { breakerRule } from './breaker-rule.js';
import { dependencyEvidence } from './evidence.js';
import { type AdvisorOptions, resolveAdvisorOptions } from './options.js';
import { rateLimitRule } from './rate-limit-rule.js';
import { retryRule } from './retry-rule.js';
import { timeoutRule } from './timeout-rule.js';
import type { AdviceReport, DependencyEvidence, Recommendation, RuleProposal, WeightEvidenceSource } from './types.js';

export interface TuningAdvisorDeps {
  reader: AnalyticsReader;
  /**
   * The settings in force (settingsFromConfig for a service configuration), or a function asked at
   * every `advise()` when they can change while the service runs (a tuning applied live).
   */
  current: PolicySettings | (() => PolicySettings);
  /** Where `current` came from, for the report (a file name, `defaults`, `given`). */
  currentFrom?: string;
  /** The exchange's used-weight headers, for the rate-limit headroom rule; none: that rule has no evidence. */
  weights?: WeightEvidenceSource;
}

export interface AdviseRequest {
  sinceMs: number;
  untilMs: number;
  /** One dependency; every recorded one when unset. */
  dependency?: string;
}

export class TuningAdvisor {
  private readonly o: ReturnType<typeof resolveAdvisorOptions>;

  constructor(
    private readonly deps: TuningAdvisorDeps,
    options: AdvisorOptions = {},
  ) {
    if (!deps?.reader) throw new TypeError('tuningAdvisor: reader is required (an AnalyticsReader over the recording)');
    if (typeof deps.current !== 'function' && (typeof deps.current !== 'object' || deps.current === null)) {
      throw new TypeError('tuningAdvisor: current must be the settings in force (PolicySettings), or a function returning them');
    }
    this.o = resolveAdvisorOptions(options);
  }

  async advise(request: AdviseRequest): Promise<AdviceReport> {
    const { sinceMs, untilMs } = request;
    if (!(Number.isFinite(sinceMs) && Number.isFinite(untilMs) && sinceMs < untilMs)) {
      throw new RangeError(`tuningAdvisor: the range needs sinceMs < untilMs, got ${sinceMs} and ${untilMs}`);
    }
    const { reader } = this.deps;
    const current = typeof this.deps.current === 'function' ? this.deps.current() : this.deps.current;
    const names = request.dependency ? [request.dependency] : await reader.dependencies(sinceMs, untilMs);
    const dependencies = [];
    const recommendations: Recommendation[] = [];
    for (const dependency of names) {
      const evidence = await dependencyEvidence(reader, dependency, sinceMs, untilMs);
      dependencies.push(evidence);
      const proposals = [timeoutRule(evidence, current, this.o), breakerRule(evidence, current, this.o), retryRule(evidence, current, this.o)];
      let trace: CallTrace | undefined;
      let baseline: ReplayReport | undefined;
      for (const proposal of proposals) {
        if (proposal.kind === 'proposed' && proposal.proposed) {
          if (!trace) {
            const window = this.replayWindow(evidence, sinceMs, untilMs);
            [evidence.replayFromMs, evidence.replayToMs] = [window.fromMs, window.toMs];
            // The timeouts' recorded durations say how long they waited: the trace needs no timeout of ours.
            trace = await traceFromRecording(reader, dependency, window.fromMs, window.toMs, { random: seededRandom(this.o.seed) });
          }
          baseline ??= await this.replay(trace, current);
          const comparison = compareReplays(baseline, await this.replay(trace, proposal.proposed), this.o);
          recommendations.push(this.recommendation(current, dependency, proposal, comparison.better ? 'recommended' : 'not-better', comparison));
        } else recommendations.push(this.recommendation(current, dependency, proposal, proposal.kind === 'proposed' ? 'keep' : proposal.kind));
      }
    }
    // The exchange's weight headers are per exchange, not per dependency: one entry.
    const weights = rateLimitRule(this.deps.weights?.observations(), this.o);
    recommendations.push(this.recommendation(current, 'exchange-weight', weights, weights.kind === 'proposed' ? 'advisory' : weights.kind));
    return { fromMs: sinceMs, toMs: untilMs, current, currentFrom: this.deps.currentFrom ?? 'given', dependencies, recommendations };
  }

  /** The whole range, or a window of it `maxReplayCalls` wide (at the recorded rate) centred on the worst bucket. */
  private replayWindow(evidence: DependencyEvidence, sinceMs: number, untilMs: number): { fromMs: number; toMs: number } {
    if (evidence.calls <= this.o.maxReplayCalls) return { fromMs: sinceMs, toMs: untilMs };
    const widthMs = Math.max(evidence.bucketMs, ((untilMs - sinceMs) * this.o.maxReplayCalls) / evidence.calls);
    const centre = (evidence.worstBucketMs ?? untilMs - widthMs / 2) + evidence.bucketMs / 2;
    const fromMs = Math.max(sinceMs, Math.min(untilMs - widthMs, centre - widthMs / 2));
    return { fromMs, toMs: Math.min(untilMs, fromMs + widthMs) };
  }

  private replay(trace: CallTrace, settings: PolicySettings): Promise<ReplayReport> {
    return replayTrace(trace, settings, { random: seededRandom(this.o.seed) });
  }

  private recommendation(current: PolicySettings, dependency: string, proposal: RuleProposal, status: Recommendation['status'], replay?: Recommendation['replay']): Recommendation {
    const { kind: _kind, ...rest } = proposal;
    return { ...rest, id: `${proposal.rule}:${dependency}`, dependency, status, current, ...(replay ? { replay } : {}) };
  }
}

export function tuningAdvisor(deps: TuningAdvisorDeps, options?: AdvisorOptions): TuningAdvisor {
  return new TuningAdvisor(deps, options);
}
