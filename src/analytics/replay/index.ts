/** The what-if replay: a recorded trace through policy settings, on ManualClock (docs/analytics.md). */
export type { CallTrace, TraceCall, TraceOutcome, PolicySettings, ReplayRetrySettings, ReplayBreakerSettings, ReplayBackoff, ReplayRetryBudget, ReplayReport, CallerView, OutageWindow, ReplayOptions } from './types.js';
export { REPLAY_DEFAULTS } from './types.js';
export { replay, ReplayedFailure } from './replay.js';
export { traceFromRecording, TRACE_FROM_RECORDING_DEFAULTS, type TraceFromRecordingOptions } from './trace-from-recording.js';
