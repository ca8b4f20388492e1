/**
 * A failover group's own changes reach the timeline (kind `failover`) and the audit log (decisions
 * of the `system` principal); an operator's changes do not come twice (the route records them).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AlertEngine } from '../../src/observe/alerts/engine.js';
import { registrySource } from '../../src/observe/alerts/source.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { auditLog } from '../../src/security/audit-log.js';
import { bindFailover, bindFailoverEvents, describeManual } from '../../src/server/failover-events.js';
import { liveEvents } from '../../src/server/live-events.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { testKey } from '../security/audit-tampering.js';
import { eject, restGroup } from '../support/failover-groups.js';

async function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const storage = await sqliteStorage({ path: ':memory:', clock });
  const audit = await auditLog(storage, { key: testKey(), clock });
  const events = liveEvents({ clock });
  return { clock, storage, audit, events, group: restGroup(clock) };
}

describe('failover events', () => {
  it('records an ejection and the failover it causes on the timeline and as audit decisions; an operator drain is in neither', async () => {
    const { storage, audit, events, group } = await setup();
    const off = bindFailoverEvents([group], { events, audit });
    group.drain('api2', { reason: 'maintenance', actor: 'alice' });
    // api1 is the last routable endpoint of priority 0: ejecting it moves traffic to priority 1.
    eject(group, 'api1');
    await audit.close();

    const timeline = events.timeline().reverse();
    expect(timeline.every((e) => e.kind === 'failover' && e.subject === 'binance:rest')).toBe(true);
    expect(timeline.map((e) => e.message)).toContainEqual(expect.stringMatching(/^api1 healthy → ejected \(consecutive-gateway-failures\)/));
    expect(timeline.find((e) => e.message.startsWith('api1'))!.severity).toBe('warning');
    expect(timeline.map((e) => e.message)).toContainEqual(expect.stringMatching(/^failover to priority 1/));
    expect(timeline.some((e) => e.message.includes('api2'))).toBe(false);

    const entries = await audit.list({ order: 'asc' });
    expect(entries.map((e) => [e.actor, e.action, e.target])).toEqual(
      expect.arrayContaining([
        ['system', 'failover.stateChange', 'binance:rest/api1'],
        ['system', 'failover.routingChange', 'binance:rest'],
      ]),
    );
    const ejection = entries.find((e) => e.action === 'failover.stateChange')!;
    expect(ejection).toMatchObject({ before: { state: 'healthy' }, after: { state: 'ejected', reason: 'consecutive-gateway-failures' }, tags: ['trading-control'] });
    expect(entries.find((e) => e.action === 'failover.routingChange')).toMatchObject({ after: { activePriority: 1, reason: 'failover' } });
    expect(entries.some((e) => e.target === 'binance:rest/api2')).toBe(false);

    off();
    group.undrain('api2', { reason: 'back' });
    expect(events.timeline()).toHaveLength(timeline.length);
    await storage.close();
  });

  it('bindFailover adds the failover alert rules once, and only for a service with groups', async () => {
    const { clock, storage, events, group } = await setup();
    const metrics = createMetrics({ defaultMetrics: false });
    const alerts = new AlertEngine({ source: registrySource(metrics.registry), clock });
    bindFailover([], { metrics, alerts, events })();
    expect(alerts.list()).toHaveLength(0);
    const off = bindFailover([group], { metrics, alerts, events });
    bindFailover([group], { alerts });
    expect(alerts.list().map((s) => s.rule.name).sort()).toEqual(['FailoverNotPreferred', 'FailoverPanic']);
    off();
    await storage.close();
  });

  it('says what an operator set in words', () => {
    expect(describeManual({ drained: [] })).toBe('automatic');
    expect(describeManual({ drained: ['api1', 'api2'], pinned: 'api3' })).toBe('drained api1, api2; pinned api3');
    expect(describeManual({ drained: [], forcedPriority: 1 })).toBe('forced priority 1');
  });
});
