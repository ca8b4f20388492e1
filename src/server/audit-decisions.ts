/**
 * The service's own decisions that affect trading, in the audit log under the `system` principal:
 * the gate changing mode (by its rules, or following a kill switch), a breaker tripping, closing or
 * being isolated, a failover group ejecting an endpoint, panicking or moving traffic to another
 * priority level (failover-events.ts), the open orders it cancels on a halt, and the operator state
 * it restores at start.
 * An operator's request is recorded by audit-requests.ts; the change it causes is recorded here too,
 * as the gate's or breaker's own step, so the log shows both the order and its effect.
 */
import type { Unsubscribe } from '../core/events.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import type { AuditLog, AuditRecord } from '../security/audit-log.js';
import { SYSTEM_PRINCIPAL } from '../security/principal.js';
import type { TradingGate } from '../trading/gate.js';
import { breakerName } from './components.js';
import type { RestoredOperatorState } from './operator-state.js';

export interface AuditDecisionsOptions {
  gate?: TradingGate;
  breakers?: readonly CircuitBreaker[];
  /** Called when an entry could not be written after every try (the audit log also emits `failure`). */
  onFailure?: (error: unknown, record: AuditRecord) => void;
}

/** Appends one decision as the `system` principal; a failure goes to `onFailure`, never unnoticed. */
export function recordDecision(audit: AuditLog, record: AuditRecord, onFailure?: AuditDecisionsOptions['onFailure']): Promise<void> {
  const full: AuditRecord = { actor: SYSTEM_PRINCIPAL.name, actorKind: SYSTEM_PRINCIPAL.kind, ...record };
  return audit.append(full).then(
    () => undefined,
    (error: unknown) => onFailure?.(error, full),
  );
}

/** Records the gate's and the breakers' state changes until the returned function is called. */
export function auditDecisions(audit: AuditLog, options: AuditDecisionsOptions): Unsubscribe {
  const offs: Unsubscribe[] = [];
  const record = (r: AuditRecord): void => void recordDecision(audit, r, options.onFailure);
  if (options.gate) {
    offs.push(
      options.gate.on('stateChange', ({ from, to, reason, at }) =>
        record({ action: 'gate.stateChange', target: 'trading-gate', before: { mode: from }, after: { mode: to, reason }, time: at, tags: ['trading-control'] }),
      ),
    );
  }
  for (const breaker of options.breakers ?? []) {
    offs.push(
      breaker.on('stateChange', ({ from, to, reason }) =>
        record({ action: 'breaker.stateChange', target: breakerName(breaker), before: { state: from }, after: { state: to, reason }, tags: ['trading-control'] }),
      ),
    );
  }
  return () => offs.splice(0).forEach((off) => off());
}

/** Records what the service put back at start: a kill switch, isolations, alert rule changes. Nothing restored, nothing written. */
export function auditRestoredState(audit: AuditLog, restored: RestoredOperatorState | undefined, onFailure?: AuditDecisionsOptions['onFailure']): Promise<void> {
  if (!restored || (!restored.killed && restored.isolated.length === 0 && restored.rules.length === 0 && restored.failover.length === 0)) return Promise.resolve();
  return recordDecision(
    audit,
    {
      action: 'operator-state.restore',
      target: 'operator-state',
      after: {
        killed: restored.killed ? { by: restored.killed.actor, at: restored.killed.at, reason: restored.killed.reason } : null,
        isolated: restored.isolated,
        rules: restored.rules,
        ...(restored.failover.length > 0 ? { failover: restored.failover.map((f) => ({ group: f.group, ...f.manual, by: f.by.actor, at: f.by.at })) } : {}),
      },
      tags: ['trading-control', 'data-recovery'],
    },
    onFailure,
  );
}

/** Records the open orders the service cancelled (or failed to cancel) when the gate halted. */
export function auditCancelOnHalt(audit: AuditLog, exchange: string, result: { cancelled: number } | { error: string }, onFailure?: AuditDecisionsOptions['onFailure']): Promise<void> {
  return recordDecision(
    audit,
    { action: 'orders.cancelOnHalt', target: exchange, after: result, outcome: 'error' in result ? 'failure' : 'success', tags: ['trading-control'] },
    onFailure,
  );
}
