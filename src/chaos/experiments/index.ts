/** Chaos experiments: the file format, the runner, probes, actions, the run store and guardrails. */
export { experimentSchema, probeSpecSchema, actionSpecSchema, abortConditionSchema, toleranceSchema, type Experiment, type ExperimentInput, type ProbeSpec, type ActionSpec, type AbortCondition, type Tolerance } from './experiment-schema.js';
export { parseExperiment, checkExperiment, ExperimentFileError } from './experiment-file.js';
export { ActivityRegistry, activityArgs, type ActivityContext, type ActionHandle, type ChaosAction, type ChaosProbe, type ProbeValue } from './activities.js';
export { defaultActivityRegistry } from './default-registry.js';
export { ExperimentRun, runExperiment, RUNNER_DEFAULTS, type RunnerOptions, type RunSink } from './runner.js';
export type { RunJournal, RunStatus, Verdict, ProbeRecord, StepRecord, ProbePhase } from './run-journal.js';
export { resilienceScore } from './score.js';
export { chaosRunStore, chaosRunsMigration, CHAOS_RUN_STORE_DEFAULTS, type ChaosRunStore, type RunSummary } from './run-store.js';
export { ChaosExperiments, CHAOS_EXPERIMENTS_DEFAULTS, ChaosRunBusyError, statusView, type ChaosExperimentsOptions, type RunStatusView } from './chaos-experiments.js';
export { checkGuardrails, ChaosRefusedError, auditRunStarted, auditRunEnded, CHAOS_AUDIT_TAGS, type ChaosGuardrails, type ChaosRefusal } from './guardrails.js';
export { planExperiment, type ExperimentPlan } from './plan.js';
export { predefinedExperiment, predefinedExperimentNames } from './predefined.js';
export { simExchange, type ChaosTarget, type ExchangeControl, type SimLike } from './target.js';
export { builtInProbes, healthScoreProbe, gateModeProbe, metricProbe, duplicateOrdersProbe, unresolvedOrdersProbe } from './probes.js';
export { exchangeActions, simFaultAction } from './exchange-actions.js';
export { processActions } from './process-actions.js';
export { readMetric, histogramQuantile, type MetricQuery } from './metric-reader.js';
export { withinTolerance, describeTolerance } from './tolerance.js';
