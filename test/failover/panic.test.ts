/** Panic mode: below panicThreshold of the group routable, every undrained endpoint takes calls; what they take out of service counts for no rule. */
import { describe, expect, it } from 'vitest';
import { NoEndpointError } from '../../src/failover/errors.js';
import type { RoutingChange } from '../../src/failover/types.js';
import { drive, endpoints, feed, makeGroup, stateOf } from './helpers.js';

const options = { strategy: 'roundRobin' as const, outlierDetection: { maxEjectionShare: 1, baseEjectionMs: 10_000 }, slowStart: false as const };

describe('panic', () => {
  it('stays out of panic at exactly the threshold, routing to the routable endpoints only', () => {
    const { group } = makeGroup(options);
    feed(group, 'a', 'gateway', 3);
    feed(group, 'b', 'gateway', 3);
    expect(group.snapshot()).toMatchObject({ mode: 'automatic', routableShare: 0.5 });
    expect([...drive(group, 100).keys()].sort()).toEqual(['c', 'd']);
  });

  it('routes to every endpoint, ejected ones too, once fewer than the threshold are routable', () => {
    const { group } = makeGroup(options);
    const changes: RoutingChange[] = [];
    group.on('routingChange', (c) => changes.push(c));
    for (const n of ['a', 'b', 'c']) feed(group, n, 'gateway', 3);
    expect(group.snapshot()).toMatchObject({ mode: 'panic', routableShare: 0.25 });
    expect([...drive(group, 100, () => 'neutral').keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(changes).toEqual([{ kind: 'routing', group: 'venue', from: 'automatic', to: 'panic', activePriority: 0, reason: 'panic', detail: 'health 25 % below the panic threshold 50 %: routing to every undrained endpoint', at: 1_000_000 }]);
  });

  it('ends when enough endpoints are back', async () => {
    const { group, clock } = makeGroup(options);
    const changes: RoutingChange[] = [];
    group.on('routingChange', (c) => changes.push(c));
    for (const n of ['a', 'b', 'c']) feed(group, n, 'gateway', 3);
    await clock.advance(10_000);
    expect(group.snapshot().mode).toBe('automatic');
    expect(changes.map((c) => [c.from, c.to, c.reason])).toEqual([
      ['automatic', 'panic', 'panic'],
      ['panic', 'automatic', 'panic-over'],
    ]);
    // The first endpoint back (2 of 4 routable) ends it.
    expect(changes[1]!.detail).toBe('health 50 % back at or above the panic threshold 50 %');
  });

  it('is judged for strategy priority by the levels together: a healthy backup level is no panic', () => {
    const { group } = makeGroup({ ...options, strategy: 'priority', endpoints: [...endpoints(3), { name: 'z', target: 'Z', priority: 1 }] });
    for (const n of ['a', 'b', 'c']) feed(group, n, 'gateway', 3);
    // 1 endpoint of 4 routable, but its level is whole: Envoy's total health is 100 %.
    expect(group.snapshot()).toMatchObject({ mode: 'automatic', activePriority: 1, routableShare: 0.25 });
    expect([...drive(group, 20).keys()]).toEqual(['z']);
  });

  it('does not count drained endpoints: draining half the group is no panic', () => {
    const { group } = makeGroup(options);
    group.drain('a', { reason: 'upgrade' });
    group.drain('b', { reason: 'upgrade' });
    feed(group, 'c', 'gateway', 3);
    // c ejected: 1 of the 2 undrained endpoints routable, 50 %.
    expect(group.snapshot().mode).toBe('automatic');
    expect([...drive(group, 10).keys()]).toEqual(['d']);
  });

  it('never routes to a drained endpoint, even in panic', () => {
    const { group } = makeGroup(options);
    group.drain('a', { reason: 'upgrade' });
    for (const n of ['b', 'c', 'd']) feed(group, n, 'gateway', 3);
    expect(group.snapshot().mode).toBe('panic');
    expect([...drive(group, 30, () => 'neutral').keys()].sort()).toEqual(['b', 'c', 'd']);
  });

  it('is off at panicThreshold 0: with nothing routable the group refuses', () => {
    const { group } = makeGroup({ ...options, panicThreshold: 0 });
    for (const n of ['a', 'b', 'c', 'd']) feed(group, n, 'gateway', 3);
    expect(group.snapshot().mode).toBe('automatic');
    expect(() => group.pick()).toThrow(NoEndpointError);
    expect(() => group.pick()).toThrow('failover group "venue" has no endpoint to route to: none is routable and panic is off (panicThreshold 0)');
  });
});

describe('calls taken out of service (panic) count for no rule', () => {
  // b, c, d ejected for 5 s leave 25 % routable: panic, every endpoint takes calls.
  const panicOptions = { strategy: 'roundRobin' as const, slowStart: false as const, outlierDetection: { maxEjectionShare: 1, baseEjectionMs: 5_000, intervalMs: 10_000 } };

  it('does not eject an endpoint again for the failures it took in panic while ejected', async () => {
    const { group, clock } = makeGroup(panicOptions);
    for (const n of ['b', 'c', 'd']) feed(group, n, 'gateway', 3);
    expect(group.snapshot().mode).toBe('panic');
    // 25 calls each; the ejected ones fail them all.
    drive(group, 100, (name) => (name === 'a' ? 'success' : 'gateway'));
    // The snapshot shows every call.
    expect(group.snapshot().endpoints[1]).toMatchObject({ calls: 28, failures: 28 });
    await clock.advance(5_000);
    expect(group.snapshot().mode).toBe('automatic');
    // Counted, the 25 panic failures would fill the consecutive rule's run: one more would eject b.
    feed(group, 'b', 'gateway');
    expect(stateOf(group, 'b')).toBe('healthy');
    // Counted, they would eject b, c and d at the interval's end (100 % of 25 calls failed), for twice as long.
    await clock.advance(5_000);
    expect(group.snapshot().endpoints.map((e) => e.state)).toEqual(['healthy', 'healthy', 'healthy', 'healthy']);
    expect(group.history().filter((c) => c.kind === 'endpoint' && c.to === 'ejected')).toHaveLength(3);
  });

  it('still counts the failures of an endpoint in service during panic', async () => {
    const { group, clock } = makeGroup({ ...panicOptions, outlierDetection: { ...panicOptions.outlierDetection, baseEjectionMs: 30_000 } });
    for (const n of ['b', 'c', 'd']) feed(group, n, 'gateway', 3);
    expect(group.snapshot().mode).toBe('panic');
    // a, the one in service, fails half its calls (never 5 in a row).
    for (let i = 0; i < 10; i++) {
      feed(group, 'a', 'failure');
      feed(group, 'a', 'success');
    }
    await clock.advance(10_000);
    expect(stateOf(group, 'a')).toBe('ejected');
    expect(group.history().at(-1)).toMatchObject({ endpoint: 'a', reason: 'failure-percentage', detail: '50 % of 20 calls failed (limit 50 %): ejected for 30000 ms (ejection 1)' });
  });

  it('does not count the calls of an unhealthy endpoint: its health checks decide when it is back', async () => {
    const { group, clock } = makeGroup({
      ...panicOptions,
      healthCheck: { check: async (target) => target !== 'A', intervalMs: 1_000, jitterShare: 0, unhealthyThreshold: 1 },
    });
    group.start();
    await clock.advance(0);
    expect(stateOf(group, 'a')).toBe('unhealthy');
    feed(group, 'a', 'gateway', 30);
    await clock.advance(10_000);
    expect(stateOf(group, 'a')).toBe('unhealthy');
    expect(group.history().filter((c) => c.kind === 'endpoint' && c.to === 'ejected')).toEqual([]);
    group.stop();
  });
});
