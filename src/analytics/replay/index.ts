export type { CallTrace, TraceCall, TraceOutcome, PolicySettings, ReplayRetrySettings, ReplayBreakerSettings, ReplayBackoff, ReplayRetryBudget, ReplayReport, CallerView, OutageWindow, ReplayOptions } from './types.js';
export { replay } from './replay.js';
export { traceFromRecording, type TraceFromRecordingOptions } from './trace-from-recording.js';
