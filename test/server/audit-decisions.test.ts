import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { circuitBreaker } from '../../src/policies/breaker/index.js';
import { auditLog } from '../../src/security/audit-log.js';
import { auditCancelOnHalt, auditDecisions, auditRestoredState } from '../../src/server/audit-decisions.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { tradingGate } from '../../src/trading/gate.js';
import { testKey } from '../security/audit-tampering.js';

async function setup() {
  const clock = new ManualClock(1_000);
  const storage = await sqliteStorage({ path: ':memory:', clock });
  const audit = await auditLog(storage, { key: testKey(), clock });
  return { clock, storage, audit };
}

describe('the service\'s own decisions in the audit log', () => {
  it('records gate mode changes by rules and breaker trips and closes as system, with before and after', async () => {
    const { clock, storage, audit } = await setup();
    const gate = tradingGate({ clock });
    const breaker = circuitBreaker({ name: 'binance', clock, window: { kind: 'consecutive', failures: 1 }, openMs: 1_000 });
    const off = auditDecisions(audit, { gate, breakers: [breaker] });
    gate.raise('stale:BTC/USDT', 'reducing', 'no price for 30 s');
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    breaker.reset();
    await audit.close();
    const entries = (await audit.list({ order: 'asc' })).map(({ actor, actorKind, action, target, before, after, tags }) => ({ actor, actorKind, action, target, before, after, tags }));
    expect(entries).toEqual([
      { actor: 'system', actorKind: 'system', action: 'gate.stateChange', target: 'trading-gate', before: { mode: 'active' }, after: { mode: 'reducing', reason: 'stale:BTC/USDT: no price for 30 s' }, tags: ['trading-control'] },
      { actor: 'system', actorKind: 'system', action: 'breaker.stateChange', target: 'binance', before: { state: 'closed' }, after: { state: 'open', reason: expect.any(String) }, tags: ['trading-control'] },
      { actor: 'system', actorKind: 'system', action: 'breaker.stateChange', target: 'binance', before: { state: 'open' }, after: { state: 'closed', reason: expect.any(String) }, tags: ['trading-control'] },
    ]);
    off();
    gate.raise('other', 'halted', 'x');
    expect(await audit.list()).toHaveLength(3);
    await storage.close();
  });

  it('records orders cancelled on a halt, a failed cancel as a failure, and a restored kill switch', async () => {
    const { storage, audit } = await setup();
    await auditCancelOnHalt(audit, 'binance', { cancelled: 3 });
    await auditCancelOnHalt(audit, 'binance', { error: 'exchange unreachable' });
    await auditRestoredState(audit, { killed: { actor: 'alice', reason: 'incident', at: 5 }, isolated: ['db'], rules: [], failover: [], skipped: [] });
    await auditRestoredState(audit, { killed: undefined, isolated: [], rules: [], failover: [], skipped: [] });
    const entries = await audit.list({ order: 'asc' });
    expect(entries.map((e) => [e.action, e.outcome, e.after])).toEqual([
      ['orders.cancelOnHalt', 'success', { cancelled: 3 }],
      ['orders.cancelOnHalt', 'failure', { error: 'exchange unreachable' }],
      ['operator-state.restore', 'success', { killed: { by: 'alice', at: 5, reason: 'incident' }, isolated: ['db'], rules: [] }],
    ]);
    await storage.close();
  });

  it('a decision that cannot be written is handed to onFailure', async () => {
    const { storage } = await setup();
    const failed = await auditLog(storage, { key: testKey(), appendAttempts: 1 });
    await storage.close();
    const seen: string[] = [];
    await auditCancelOnHalt(failed, 'binance', { cancelled: 1 }, (_error, record) => seen.push(record.action));
    expect(seen).toEqual(['orders.cancelOnHalt']);
  });
});
