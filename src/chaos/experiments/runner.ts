/**
 * Runs one experiment: the steady-state hypothesis before, the method (each action on for its
 * duration, with its probes at start, continuously and at end), the hypothesis after, and the
 * rollbacks always — after a pass, a failure, an abort or an error. Abort conditions are checked
 * while the method runs; one beyond its limit stops every action at once. `abort()` (or the
 * `signal` option) does the same for an operator.
 *
 *   before ──fail──────────────────────────────┐
 *     │ ok                                      ▼
 *   method (steps in order) ──abort/error──▶ revert running action ─▶ rollbacks ─▶ verdict, score, save
 *     │                                         ▲
 *   after (probes may wait withinMs) ───────────┘
 */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../core/clock.js';
import { type ActionHandle, type ActivityContext, type ActivityRegistry, activityArgs } from './activities.js';
import type { ActionSpec, Experiment, ProbeSpec, RollbackSpec } from './experiment-schema.js';
import { type ProbeCall, measureContinuously, measureOnce, measureWithin } from './probe-evaluation.js';
import type { ProbeRecord, RunJournal, StepRecord, Verdict } from './run-journal.js';
import { abortKey, hypothesisKey, resilienceScore, stepProbeKey } from './score.js';
import type { ChaosTarget } from './target.js';

/** Where journals are kept (the run store fits). */
export interface RunSink {
  save(journal: RunJournal): Promise<void>;
}

export interface RunnerOptions {
  registry: ActivityRegistry;
  target: ChaosTarget;
  clock?: Clock;
  /** Saves the journal as the run starts and when it ends. */
  sink?: RunSink;
  /** Who asked for the run. */
  actor?: string;
  /** Aborting it aborts the run (as `abort()` does). */
  signal?: AbortSignal;
  newId?: () => string;
  /** Told after every change of the journal (live status). */
  onChange?: (journal: RunJournal) => void;
}

export const RUNNER_DEFAULTS = {
  clock: systemClock as Clock,
  actor: 'system', // a run nobody named was started by the service itself
  newId: (): string => randomUUID(), // unique across instances without coordination
  onChange: (() => undefined) as (journal: RunJournal) => void,
};

class RunAborted extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export class ExperimentRun {
  readonly journal: RunJournal;
  private readonly o: typeof RUNNER_DEFAULTS & RunnerOptions;
  private readonly controller = new AbortController();
  private readonly ctx: ActivityContext;
  private abortReason: string | undefined;
  private running: ActionHandle | undefined;

  constructor(
    readonly experiment: Experiment,
    options: RunnerOptions,
  ) {
    this.o = { ...RUNNER_DEFAULTS, ...options };
    const now = this.o.clock.now();
    this.journal = {
      id: this.o.newId(),
      title: experiment.title,
      experiment,
      actor: this.o.actor,
      startedAt: now,
      status: 'running',
      expectedEndAt: now + experiment.method.reduce((sum, s) => sum + s.durationMs, 0),
      steps: [],
      probes: [],
      rollbacks: [],
    };
    this.ctx = { target: this.o.target, clock: this.o.clock, signal: this.controller.signal };
    if (this.o.signal?.aborted) this.abort('aborted-by-operator');
    else this.o.signal?.addEventListener('abort', () => this.abort('aborted-by-operator'), { once: true });
  }

  /** Stops the run at once: the running action is reverted, then the rollbacks run. */
  abort(reason = 'aborted-by-operator'): void {
    if (this.controller.signal.aborted) return;
    this.abortReason = reason;
    this.controller.abort(new RunAborted(reason));
  }

  /** Runs to the end and resolves with the finished journal; never rejects for the experiment's sake. */
  async run(): Promise<RunJournal> {
    await this.o.sink?.save(this.journal);
    let verdict: Verdict = 'passed';
    try {
      const before = await this.hypothesis('before');
      if (!before) {
        verdict = 'failed';
        this.journal.reason = 'steady-state-not-met-before';
      } else {
        await this.method();
        if (!(await this.hypothesis('after'))) {
          verdict = 'failed';
          this.journal.reason = 'steady-state-not-met-after';
        } else if (this.journal.probes.some((p) => p.counted && !p.ok && !p.key.startsWith('abort/'))) {
          verdict = 'failed';
          this.journal.reason = 'probe-out-of-tolerance';
        }
      }
    } catch (error) {
      if (this.abortReason !== undefined) {
        verdict = 'aborted';
        this.journal.reason = this.abortReason;
      } else {
        verdict = 'errored';
        this.journal.reason = `error: ${error instanceof Error ? error.message : String(error)}`;
      }
    } finally {
      await this.revertRunning();
      await this.rollbacks();
    }
    this.journal.status = verdict;
    this.journal.endedAt = this.o.clock.now();
    this.journal.score = resilienceScore(this.experiment, this.journal.probes);
    delete this.journal.currentStep;
    this.changed();
    await this.o.sink?.save(this.journal);
    return this.journal;
  }

  private changed(): void {
    this.o.onChange(this.journal);
  }

  private readonly record = (r: ProbeRecord): void => {
    this.journal.probes.push(r);
    this.changed();
  };

  private call(key: string, spec: ProbeSpec, phase: ProbeRecord['phase']): ProbeCall {
    return { key, name: spec.name, probe: spec.probe, args: spec.args, tolerance: spec.tolerance, phase };
  }

  private async hypothesis(phase: 'before' | 'after'): Promise<boolean> {
    this.journal.currentStep = `steady-state hypothesis (${phase})`;
    this.throwIfAborted();
    let ok = true;
    for (const spec of this.experiment.steadyStateHypothesis.probes) {
      const call = this.call(hypothesisKey(spec.name), spec, phase);
      const result =
        phase === 'after' && spec.withinMs > 0
          ? await measureWithin(this.o.registry, this.ctx, { ...call, withinMs: spec.withinMs, intervalMs: spec.intervalMs }, this.record)
          : await measureOnce(this.o.registry, this.ctx, call, this.record);
      ok &&= result.ok;
    }
    this.throwIfAborted();
    return ok;
  }

  private throwIfAborted(): void {
    if (this.controller.signal.aborted) throw new RunAborted(this.abortReason ?? 'aborted');
  }

  private async method(): Promise<void> {
    const watching = new AbortController();
    const watchers = this.experiment.abortConditions.map((condition) =>
      measureContinuously(
        this.o.registry,
        this.ctx,
        { key: abortKey(condition.name), name: condition.name, probe: condition.probe, args: condition.args, tolerance: condition.limit, phase: 'abort-condition', intervalMs: condition.intervalMs },
        AbortSignal.any([watching.signal, this.controller.signal]),
        this.record,
        (r) => {
          if (!r.ok) this.abort(`abort-condition: ${condition.name}`);
        },
      ),
    );
    try {
      for (const [index, step] of this.experiment.method.entries()) await this.step(index, step);
    } finally {
      watching.abort();
      await Promise.all(watchers);
    }
  }

  private async step(index: number, spec: ActionSpec): Promise<void> {
    this.throwIfAborted();
    const name = spec.name ?? spec.action;
    const record: StepRecord = { index, name, action: spec.action, startedAt: this.o.clock.now(), status: 'running' };
    this.journal.steps.push(record);
    this.journal.currentStep = name;
    this.changed();
    const action = this.o.registry.action(spec.action);
    try {
      if (!action) throw new RangeError(`unknown action "${spec.action}"`);
      this.running = await action.start(this.ctx, activityArgs(action, spec.args, `method.${index}`));
    } catch (error) {
      record.status = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
      record.endedAt = this.o.clock.now();
      throw error;
    }
    const probes = (mode: ProbeSpec['mode']) => spec.probes.filter((p) => p.mode === mode);
    const during = new AbortController();
    const loops = probes('continuous').map((p) =>
      measureContinuously(this.o.registry, this.ctx, { ...this.call(stepProbeKey(index, p.name), p, 'during'), intervalMs: p.intervalMs }, AbortSignal.any([during.signal, this.controller.signal]), this.record),
    );
    try {
      for (const p of probes('start')) await measureOnce(this.o.registry, this.ctx, this.call(stepProbeKey(index, p.name), p, 'during'), this.record);
      await this.o.clock.sleep(spec.durationMs, this.controller.signal);
      during.abort();
      await Promise.all(loops);
      for (const p of probes('end')) await measureOnce(this.o.registry, this.ctx, this.call(stepProbeKey(index, p.name), p, 'during'), this.record);
    } finally {
      during.abort();
      await Promise.all(loops);
      await this.revertRunning(record);
    }
    this.throwIfAborted();
  }

  /** Stops the running action, if any; an error stopping it is kept on the step, not thrown. */
  private async revertRunning(record = this.journal.steps.at(-1)): Promise<void> {
    const handle = this.running;
    if (!handle) return;
    this.running = undefined;
    try {
      await handle.stop();
      if (record) record.status = 'reverted';
    } catch (error) {
      if (record) {
        record.status = 'failed';
        record.error = `revert failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (record) record.endedAt = this.o.clock.now();
    this.changed();
  }

  /** Every rollback, in order, each started and stopped; a failing one does not stop the others. */
  private async rollbacks(): Promise<void> {
    this.journal.currentStep = 'rollbacks';
    const rollbackCtx: ActivityContext = { ...this.ctx, signal: new AbortController().signal };
    for (const [index, spec] of this.experiment.rollbacks.entries()) await this.rollback(index, spec, rollbackCtx);
  }

  private async rollback(index: number, spec: RollbackSpec, ctx: ActivityContext): Promise<void> {
    const record: StepRecord = { index, name: spec.name ?? spec.action, action: spec.action, startedAt: this.o.clock.now(), status: 'running' };
    this.journal.rollbacks.push(record);
    try {
      const action = this.o.registry.action(spec.action);
      if (!action) throw new RangeError(`unknown action "${spec.action}"`);
      const handle = await action.start(ctx, activityArgs(action, spec.args, `rollbacks.${index}`));
      await handle.stop();
      record.status = 'reverted';
    } catch (error) {
      record.status = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
    }
    record.endedAt = this.o.clock.now();
    this.changed();
  }
}

/** Runs an experiment to its end; see `ExperimentRun` to abort one or watch it live. */
export function runExperiment(experiment: Experiment, options: RunnerOptions): Promise<RunJournal> {
  return new ExperimentRun(experiment, options).run();
}
