/**
 * `bulwark/chaos`: fault injection. Policy level: `chaos.fault`, `chaos.latency`,
 * `chaos.outcome`, `chaos.behavior`, composed in `pipeline()`. Network level: a TCP fault proxy
 * (proxy/). Process level: memory pressure, event-loop blocking, CPU burn. `chaosAllowed(config)`
 * is the guardrail that gates them all. Experiments (experiments/): a steady-state hypothesis,
 * actions of every level, probes, abort conditions, rollbacks and a resilience score.
 */
export { chaos } from './chaos.js';
export { ChaosPolicy, CHAOS_DEFAULTS, type ChaosOptions, type ChaosArgs, type ChaosEvents, type ChaosState, type ChaosStateChange } from './chaos-policy.js';
export { ChaosFaultPolicy, type ChaosFaultOptions, type FaultInjected } from './fault.js';
export { ChaosLatencyPolicy, CHAOS_LATENCY_DEFAULTS, type ChaosLatencyOptions, type LatencyInjected } from './latency.js';
export { ChaosOutcomePolicy, type ChaosOutcomeOptions, type OutcomeInjected } from './outcome.js';
export { ChaosBehaviorPolicy, type ChaosBehaviorOptions, type BehaviorInjected } from './behavior.js';
export { chaosAllowed, type ChaosGuardConfig } from './guardrail.js';
export * from './process/index.js';
export * from './proxy/index.js';
export * from './experiments/index.js';
