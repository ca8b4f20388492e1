/**
 * The service's experiments: starts runs in the background behind the guardrails, keeps the
 * running ones for live status (current step, probe results, time left) and abort, saves every
 * journal in the run store and writes each run to the audit log when there is one. One run at a
 * time: two experiments breaking the same exchange would each judge the other's faults.
 */
import { type Clock, systemClock } from '../../core/clock.js';
import type { AuditLog } from '../../security/audit-log.js';
import type { ActivityRegistry } from './activities.js';
import type { Experiment } from './experiment-schema.js';
import { type ChaosGuardrails, auditRunEnded, auditRunStarted, checkGuardrails } from './guardrails.js';
import { type ExperimentPlan, planExperiment } from './plan.js';
import type { RunJournal } from './run-journal.js';
import type { ChaosRunStore, RunSummary } from './run-store.js';
import { ExperimentRun } from './runner.js';
import type { ChaosTarget } from './target.js';

export interface ChaosExperimentsOptions {
  registry: ActivityRegistry;
  target: ChaosTarget;
  store: ChaosRunStore;
  /** `features.chaos` and `features.liveTrading`, read at each start (they may change at run time). */
  guardrails: () => ChaosGuardrails;
  audit?: Pick<AuditLog, 'append'>;
  clock?: Clock;
  /** Told when an audit entry could not be written (the run goes on). */
  onAuditFailure?: (error: unknown) => void;
}

export const CHAOS_EXPERIMENTS_DEFAULTS = {
  clock: systemClock as Clock,
  onAuditFailure: (() => undefined) as (error: unknown) => void,
};

/** A run as the live status shows it. */
export interface RunStatusView {
  id: string;
  title: string;
  status: RunJournal['status'];
  currentStep: string | null;
  /** Until the method is expected to end; 0 once past it. */
  timeLeftMs: number;
  score: number | null;
  reason: string | null;
  /** The latest measurement of every probe, by key. */
  probes: Array<{ key: string; name: string; phase: string; at: number; value: number | boolean | null; ok: boolean; error: string | null }>;
}

export class ChaosRunBusyError extends Error {
  override readonly name = 'ChaosRunBusyError';
  readonly code = 'CHAOS_RUN_BUSY';
}

export class ChaosExperiments {
  private readonly o: typeof CHAOS_EXPERIMENTS_DEFAULTS & ChaosExperimentsOptions;
  private current: { run: ExperimentRun; done: Promise<RunJournal> } | undefined;

  constructor(options: ChaosExperimentsOptions) {
    this.o = { ...CHAOS_EXPERIMENTS_DEFAULTS, ...options };
  }

  get registry(): ActivityRegistry {
    return this.o.registry;
  }

  plan(experiment: Experiment): ExperimentPlan {
    return planExperiment(experiment, this.o.registry);
  }

  /**
   * Starts a run and returns at once with its journal (status `running`); `done` resolves when it
   * ends, and never rejects. Throws `ChaosRefusedError` (guardrails), `ChaosRunBusyError`, or a TypeError listing the
   * plan's problems (unknown actions or probes, bad args).
   */
  start(experiment: Experiment, actor = 'system'): { journal: RunJournal; done: Promise<RunJournal> } {
    checkGuardrails(experiment, this.o.guardrails());
    if (this.current) throw new ChaosRunBusyError(`experiment "${this.current.run.experiment.title}" is running (run ${this.current.run.journal.id}); abort it or wait`);
    const { problems } = this.plan(experiment);
    if (problems.length > 0) throw new TypeError(problems.join('; '));
    const run = new ExperimentRun(experiment, { registry: this.o.registry, target: this.o.target, clock: this.o.clock, sink: this.o.store, actor });
    const audit = (write: (log: Pick<AuditLog, 'append'>, journal: RunJournal) => Promise<unknown>) => (this.o.audit ? write(this.o.audit, run.journal).catch(this.o.onAuditFailure) : Promise.resolve());
    const done = (async () => {
      await audit(auditRunStarted);
      try {
        return await run.run();
      } catch (error) {
        // The run itself never rejects; its journal could not be saved (the storage went away). The
        // rollbacks have run by then; the run ends errored, as the live status and the audit log say.
        run.journal.status = 'errored';
        run.journal.reason = `error: journal not saved: ${error instanceof Error ? error.message : String(error)}`;
        return run.journal;
      } finally {
        this.current = undefined;
        await audit(auditRunEnded);
      }
    })();
    this.current = { run, done };
    return { journal: run.journal, done };
  }

  /** Aborts the run `id` if it is running; false when it is not. */
  abort(id: string): boolean {
    if (this.current?.run.journal.id !== id) return false;
    this.current.run.abort('aborted-by-operator');
    return true;
  }

  /** The live status of a running run, or the stored one's. */
  async status(id: string): Promise<RunStatusView | undefined> {
    const journal = this.current?.run.journal.id === id ? this.current.run.journal : await this.o.store.get(id);
    return journal ? statusView(journal, this.o.clock.now()) : undefined;
  }

  async report(id: string): Promise<RunJournal | undefined> {
    return this.current?.run.journal.id === id ? this.current.run.journal : this.o.store.get(id);
  }

  list(options?: { limit?: number; title?: string }): Promise<RunSummary[]> {
    return this.o.store.list(options);
  }

  /** Aborts the running run and waits for its rollbacks (the service is stopping). */
  async close(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.run.abort('service-stopping');
    await current.done;
  }
}

export function statusView(journal: RunJournal, now: number): RunStatusView {
  const latest = new Map<string, RunJournal['probes'][number]>();
  for (const p of journal.probes) latest.set(p.key, p);
  return {
    id: journal.id,
    title: journal.title,
    status: journal.status,
    currentStep: journal.currentStep ?? null,
    timeLeftMs: journal.status === 'running' ? Math.max(0, (journal.expectedEndAt ?? now) - now) : 0,
    score: journal.score ?? null,
    reason: journal.reason ?? null,
    probes: [...latest.values()].map((p) => ({ key: p.key, name: p.name, phase: p.phase, at: p.at, value: p.value ?? null, ok: p.ok, error: p.error ?? null })),
  };
}
