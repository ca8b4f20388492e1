/** The tuning advisor (docs/analytics.md, "Tuning advisor"). */
export { tuningAdvisor, TuningAdvisor, type TuningAdvisorDeps, type AdviseRequest } from './advisor.js';
export { ADVISOR_DEFAULTS, resolveAdvisorOptions, type AdvisorOptions } from './options.js';
export { settingsFromConfig } from './policy-settings.js';
export { compareReplays } from './better.js';
export { configDiff, diffLines, diffYaml, type ConfigDiff, type ConfigDiffEntry } from './config-diff.js';
export { weightObserver, type WeightObserver } from './weight-observer.js';
export { dependencyEvidence } from './evidence.js';
export { timeoutRule, dependencyKind } from './timeout-rule.js';
export { breakerRule } from './breaker-rule.js';
export { retryRule, attemptsFor, expectedRetries } from './retry-rule.js';
export { rateLimitRule } from './rate-limit-rule.js';
export type { AdviceReport, AdviceRule, ConfigChangeProposal, DependencyEvidence, Recommendation, RecommendationStatus, ReplayComparison, RuleProposal, WeightEvidenceSource, WeightObservation } from './types.js';
export { adviceService, ADVICE_SERVICE_DEFAULTS, type AdviceService, type AdviceServiceOptions, type AdviceWithDiff, type ApplyOutcome } from './advice-service.js';
