/**
 * What a service does at every start, before its first new order:
 *  1. put the operator's state back (kill switch, breaker isolations, alert rule changes, failover
 *     groups' manual routing), so a halt
 *     made before a restart is in force before anything trades;
 *  2. reconcile the order journal of every exchange with that exchange (`reconcile()`), so intents
 *     left OPEN, SENT or UNKNOWN by the previous run are looked at again.
 * Both steps are recorded on the timeline. A failed reconciliation does not stop the start: the
 * gate keeps its 'reconcile' condition (reducing) and the operator sees why.
 */
import type { ReconcileOptions, ReconcileReport } from '../trading/reconcile.js';
import { reconcile } from '../trading/reconcile.js';
import type { ResilientExchange } from '../trading/exchange.js';
import { describeManual } from './failover-events.js';
import type { LiveEvents } from './live-events.js';
import type { OperatorState, RestoredOperatorState } from './operator-state.js';

export interface StartRecoveryOptions {
  operator?: OperatorState;
  /** Each exchange with its reconcile options (gate, symbols, ...). None: nothing to reconcile yet. */
  exchanges?: ReadonlyArray<{ exchange: ResilientExchange; options?: ReconcileOptions }>;
  events?: LiveEvents;
}

export interface StartRecovery {
  operator: RestoredOperatorState | undefined;
  reconciled: Array<{ exchange: string; report?: ReconcileReport; error?: string }>;
}

export async function recoverAtStart(o: StartRecoveryOptions): Promise<StartRecovery> {
  const result: StartRecovery = { operator: undefined, reconciled: [] };
  if (o.operator) {
    const restored = await o.operator.restore();
    result.operator = restored;
    if (restored.killed) o.events?.record('operator', 'trading gate', `kill switch restored: set by ${restored.killed.actor} at ${new Date(restored.killed.at).toISOString()}${restored.killed.reason ? `: ${restored.killed.reason}` : ''}`, 'critical', { actor: restored.killed.actor });
    for (const name of restored.isolated) o.events?.record('operator', name, 'breaker isolation restored', 'warning');
    for (const f of restored.failover) o.events?.record('operator', f.group, `failover routing restored: ${describeManual(f.manual)} (set by ${f.by.actor}${f.by.reason ? `: ${f.by.reason}` : ''})`, 'warning', { actor: f.by.actor });
    if (restored.rules.length > 0) o.events?.record('operator', 'alert rules', `alert rule changes restored: ${restored.rules.join(', ')}`);
    for (const s of restored.skipped) o.events?.record('operator', s.key, `not restored: ${s.why}`, 'warning');
  }
  for (const { exchange, options } of o.exchanges ?? []) {
    try {
      const report = await reconcile(exchange, options);
      result.reconciled.push({ exchange: exchange.id, report });
      const counts = `${report.resolved.length} resolved, ${report.updated.length} updated, ${report.failed.length} failed, ${report.adopted.length} adopted, ${report.unresolved.length} unresolved`;
      o.events?.record('order', exchange.id, `journal reconciled at start${report.clean ? '' : ' (not clean)'}: ${counts}`, report.clean ? 'info' : 'warning');
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      result.reconciled.push({ exchange: exchange.id, error: why });
      o.events?.record('order', exchange.id, `reconciliation at start failed: ${why}`, 'warning');
    }
  }
  return result;
}
