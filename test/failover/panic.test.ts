/** Panic mode: below panicThreshold of the group routable, every undrained endpoint takes calls. */
import { describe, expect, it } from 'vitest';
import { NoEndpointError } from '../../src/failover/errors.js';
import type { RoutingChange } from '../../src/failover/types.js';
import { drive, endpoints, feed, makeGroup } from './helpers.js';

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
