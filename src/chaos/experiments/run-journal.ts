/**
 * The journal of one experiment run, in the spirit of Chaos Toolkit's: what ran when, every probe
 * measurement over time, the rollbacks, the verdict and the resilience score. The runner keeps it
 * current while the run goes (live status) and the run store saves it.
 */
import type { Experiment } from './experiment-schema.js';
import type { ProbeValue } from './activities.js';

/**
 * passed: the hypothesis held before and after and every probe met its tolerance;
 * failed: a probe did not (or the steady state did not hold before the method);
 * aborted: an abort condition or an operator stopped the run; errored: an action could not run.
 */
export type Verdict = 'passed' | 'failed' | 'aborted' | 'errored';
export type RunStatus = 'running' | Verdict;

/** When a probe measurement was taken. */
export type ProbePhase = 'before' | 'during' | 'after' | 'abort-condition';

export interface ProbeRecord {
  /** Which probe of the experiment: `hypothesis/NAME` or `method/STEP/NAME` or `abort/NAME`. */
  key: string;
  name: string;
  phase: ProbePhase;
  at: number;
  value?: ProbeValue;
  ok: boolean;
  /** The provider's error, when it failed to measure. */
  error?: string;
  /** False for the intermediate measurements of a probe waiting `withinMs` for its tolerance. */
  counted: boolean;
}

export interface StepRecord {
  index: number;
  name: string;
  action: string;
  startedAt: number;
  endedAt?: number;
  status: 'running' | 'reverted' | 'failed';
  error?: string;
}

export interface RunJournal {
  id: string;
  title: string;
  experiment: Experiment;
  /** Who asked for the run (principal name or `cli`). */
  actor: string;
  startedAt: number;
  endedAt?: number;
  status: RunStatus;
  /** Why the run ended as it did, kebab-case: `steady-state-not-met-before`, `abort-condition: NAME`, `aborted-by-operator`. */
  reason?: string;
  /** 0-100: the weighted share of passed probe evaluations. */
  score?: number;
  /** The step running now (live status). */
  currentStep?: string;
  /** When the method is expected to end, for the time left (live status). */
  expectedEndAt?: number;
  steps: StepRecord[];
  probes: ProbeRecord[];
  rollbacks: StepRecord[];
}
