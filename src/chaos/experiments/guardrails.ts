/**
 * What stands between an experiment and a real trading system: chaos is refused unless
 * `features.chaos` is on, an experiment not marked `productionSafe` is refused against a
 * configuration with `features.liveTrading` on, and every run is written to the audit log (when
 * the service keeps one) as it starts and as it ends, tagged `resilience-testing`.
 */
import type { AuditLog } from '../../security/audit-log.js';
import type { Experiment } from './experiment-schema.js';
import type { RunJournal } from './run-journal.js';

export interface ChaosGuardrails {
  /** `features.chaos`. */
  chaosEnabled: boolean;
  /** `features.liveTrading`. */
  liveTrading: boolean;
}

export type ChaosRefusal = 'chaos-disabled' | 'not-production-safe';

export class ChaosRefusedError extends Error {
  override readonly name = 'ChaosRefusedError';
  readonly code = 'CHAOS_REFUSED';
  constructor(readonly reason: ChaosRefusal, message: string) {
    super(message);
  }
}

/** Throws a `ChaosRefusedError` saying why the experiment may not run here. */
export function checkGuardrails(experiment: Pick<Experiment, 'title' | 'productionSafe'>, guard: ChaosGuardrails): void {
  if (!guard.chaosEnabled) throw new ChaosRefusedError('chaos-disabled', 'chaos experiments are off: set features.chaos to true to run them');
  if (guard.liveTrading && !experiment.productionSafe) {
    throw new ChaosRefusedError('not-production-safe', `experiment "${experiment.title}" is not marked productionSafe and features.liveTrading is on`);
  }
}

export const CHAOS_AUDIT_TAGS = ['resilience-testing'] as const;

type AuditAppend = Pick<AuditLog, 'append'>;

/** The audit entry of a run starting. */
export function auditRunStarted(audit: AuditAppend, journal: RunJournal): Promise<unknown> {
  return audit.append({
    action: 'chaos.run',
    actor: journal.actor,
    target: journal.title,
    after: { id: journal.id, status: 'running', productionSafe: journal.experiment.productionSafe },
    tags: CHAOS_AUDIT_TAGS,
  });
}

/** The audit entry of a run ending, with its verdict and score. */
export function auditRunEnded(audit: AuditAppend, journal: RunJournal): Promise<unknown> {
  return audit.append({
    action: 'chaos.run',
    actor: journal.actor,
    target: journal.title,
    before: { id: journal.id, status: 'running' },
    after: { id: journal.id, status: journal.status, reason: journal.reason ?? null, score: journal.score ?? null },
    outcome: journal.status === 'errored' ? 'failure' : 'success',
    tags: CHAOS_AUDIT_TAGS,
  });
}
