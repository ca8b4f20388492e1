/** Manual control: drain, pin, force a priority, back to automatic, restore after a restart; the history. */
import { describe, expect, it } from 'vitest';
import { ExecutionRejectedError, ResilienceError } from '../../src/core/errors.js';
import { NoEndpointError } from '../../src/failover/errors.js';
import type { FailoverChange } from '../../src/failover/types.js';
import { drive, endpoints, feed, makeGroup, op, stateOf } from './helpers.js';

describe('drain and undrain', () => {
  it('takes a drained endpoint out of routing and records who did it and why', () => {
    const { group } = makeGroup({ strategy: 'roundRobin' });
    const seen: FailoverChange[] = [];
    group.on('stateChange', (c) => seen.push(c));
    group.drain('b', op);
    expect(stateOf(group, 'b')).toBe('drained');
    expect(drive(group, 30).get('b')).toBeUndefined();
    const entry = { kind: 'endpoint', group: 'venue', endpoint: 'b', from: 'healthy', to: 'drained', reason: 'operator', detail: 'maintenance window', actor: 'alice', at: 1_000_000 };
    expect(group.history()).toEqual([entry]);
    expect(seen).toEqual([entry]);
  });

  it('lets calls in flight on a drained endpoint finish and be recorded', () => {
    const { group } = makeGroup({ strategy: 'roundRobin' });
    const picked = group.pick();
    group.drain(picked.name, op);
    group.record(picked, 'success', 3);
    expect(group.snapshot().endpoints[0]).toMatchObject({ state: 'drained', inFlight: 0, latencyMs: 3 });
  });

  it('brings an undrained endpoint back warming (slow start), and an ejected one stays ejected', () => {
    const { group } = makeGroup();
    group.drain('a', op);
    group.undrain('a', { reason: 'done' });
    expect(stateOf(group, 'a')).toBe('warming');
    feed(group, 'b', 'gateway', 3);
    group.drain('b', op);
    group.undrain('b', op);
    expect(stateOf(group, 'b')).toBe('ejected');
  });

  it('does nothing (and records nothing) when the endpoint already is as asked', () => {
    const { group } = makeGroup();
    group.undrain('a', op);
    group.drain('a', op);
    group.drain('a', op);
    expect(group.history()).toHaveLength(1);
  });

  it('refuses with NoEndpointError when every endpoint is drained', () => {
    const { group } = makeGroup({ endpoints: endpoints(2) });
    group.drain('a', op);
    group.drain('b', op);
    let error: unknown;
    try {
      group.pick();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoEndpointError);
    expect(error).toBeInstanceOf(ExecutionRejectedError);
    expect(NoEndpointError.is(error) && ResilienceError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'NO_ENDPOINT', group: 'venue', name: 'NoEndpointError', message: 'failover group "venue" has no endpoint to route to: every endpoint is drained' });
  });
});

describe('pin', () => {
  it('sends every call to the pinned endpoint, even an ejected one, until automatic()', () => {
    const { group } = makeGroup();
    feed(group, 'c', 'gateway', 3);
    group.pin('c', { reason: 'only c has the fix', actor: 'bob' });
    expect(group.snapshot().mode).toBe('pinned');
    expect([...drive(group, 20, () => 'neutral').keys()]).toEqual(['c']);
    group.automatic({ reason: 'fix rolled out', actor: 'bob' });
    expect(drive(group, 20).get('c')).toBeUndefined();
    const routing = group.history().filter((c) => c.kind === 'routing');
    expect(routing).toEqual([
      { kind: 'routing', group: 'venue', from: 'automatic', to: 'pinned', activePriority: 0, reason: 'operator', detail: 'only c has the fix', actor: 'bob', at: 1_000_000 },
      { kind: 'routing', group: 'venue', from: 'pinned', to: 'automatic', activePriority: 0, reason: 'operator', detail: 'fix rolled out', actor: 'bob', at: 1_000_000 },
    ]);
  });

  it('refuses to pin a drained endpoint or drain the pinned one', () => {
    const { group } = makeGroup();
    group.drain('a', op);
    expect(() => group.pin('a', op)).toThrow('failoverGroup "venue": cannot pin "a": it is drained; undrain it first');
    group.pin('b', op);
    expect(() => group.drain('b', op)).toThrow('failoverGroup "venue": cannot drain "b" while it is pinned; call automatic() first');
  });
});

describe('forcePriority', () => {
  const levels = { endpoints: [...endpoints(2), { name: 'y', target: 'Y', priority: 1 }, { name: 'z', target: 'Z', priority: 1 }] };

  it('sends every call to the routable endpoints of the forced level', () => {
    const { group } = makeGroup(levels);
    feed(group, 'y', 'gateway', 3);
    group.forcePriority(1, { reason: 'primary region degraded', actor: 'carol' });
    expect(group.snapshot()).toMatchObject({ mode: 'forced', activePriority: 1, manual: { drained: [], forcedPriority: 1 } });
    expect([...drive(group, 10).keys()]).toEqual(['z']);
    group.automatic(op);
    expect([...drive(group, 10).keys()].sort()).toEqual(['a', 'b']);
  });

  it('uses all of the forced level when none of it is routable, and refuses when all of it is drained', () => {
    const { group } = makeGroup({ ...levels, outlierDetection: { maxEjectionShare: 1 } });
    feed(group, 'y', 'gateway', 3);
    feed(group, 'z', 'gateway', 3);
    group.forcePriority(1, op);
    expect([...drive(group, 10, () => 'neutral').keys()].sort()).toEqual(['y', 'z']);
    group.drain('y', op);
    group.drain('z', op);
    expect(() => group.pick()).toThrow('failover group "venue" has no endpoint to route to: every endpoint of the forced priority 1 is drained');
  });

  it('names the levels the group has on a wrong priority', () => {
    const { group } = makeGroup(levels);
    expect(() => group.forcePriority(2, op)).toThrow('failoverGroup "venue": priority must be one of the group\'s levels (0, 1), got 2');
    expect(() => group.forcePriority(-1, op)).toThrow('failoverGroup "venue": priority must be an integer >= 0, got -1');
  });
});

describe('manual changes need a reason', () => {
  it.each([
    ['drain', (g: ReturnType<typeof makeGroup>['group']) => g.drain('a', { reason: '' })],
    ['pin', (g: ReturnType<typeof makeGroup>['group']) => g.pin('a', { reason: '  ' })],
    ['automatic', (g: ReturnType<typeof makeGroup>['group']) => g.automatic({} as never)],
  ])('%s without a reason throws naming change.reason', (_name, act) => {
    const { group } = makeGroup();
    expect(() => act(group)).toThrow(/failoverGroup "venue": change\.reason must be a non-empty string/);
    expect(group.history()).toEqual([]);
  });

  it('names the endpoints the group has on an unknown name', () => {
    const { group } = makeGroup();
    expect(() => group.drain('x', op)).toThrow('failoverGroup "venue": endpoint must be one of "a", "b", "c", "d", got "x"');
  });
});

describe('manual() and restoreManual()', () => {
  it('puts back what an operator set before a restart, recorded as the operator', () => {
    const before = makeGroup().group;
    before.drain('a', op);
    before.pin('c', op);
    const saved = before.manual();
    expect(saved).toEqual({ drained: ['a'], pinned: 'c' });

    const { group } = makeGroup();
    group.restoreManual(JSON.parse(JSON.stringify(saved)), { reason: 'restored after restart', actor: 'ops-service' });
    expect(group.manual()).toEqual(saved);
    expect(group.snapshot().mode).toBe('pinned');
    expect(group.history().map((c) => [c.kind, c.reason, c.detail, c.actor])).toEqual([
      ['endpoint', 'operator', 'restored after restart', 'ops-service'],
      ['routing', 'operator', 'restored after restart', 'ops-service'],
    ]);
  });

  it('drains an endpoint that was pinned, ending the pin first', () => {
    const { group } = makeGroup();
    group.pin('a', op);
    group.restoreManual({ drained: ['a'] }, op);
    expect(group.manual()).toEqual({ drained: ['a'] });
    expect(group.snapshot().mode).toBe('automatic');
  });

  it('undrains what is no longer drained and ends a pin or forced level', () => {
    const { group } = makeGroup();
    group.drain('a', op);
    group.forcePriority(0, op);
    group.restoreManual({ drained: ['b'] }, op);
    expect(group.manual()).toEqual({ drained: ['b'] });
    expect(group.snapshot().mode).toBe('automatic');
  });

  it('refuses an unknown endpoint or a malformed state, changing nothing', () => {
    const { group } = makeGroup();
    expect(() => group.restoreManual({ drained: ['x'] }, op)).toThrow('endpoint must be one of "a", "b", "c", "d", got "x"');
    expect(() => group.restoreManual({ drained: 'a' } as never, op)).toThrow('failoverGroup "venue": manual.drained must be an array of endpoint names, got a');
    expect(() => group.restoreManual({ drained: ['a'], pinned: 'a' }, op)).toThrow('failoverGroup "venue": manual.pinned must not be drained too, got "a" in both');
    expect(() => group.restoreManual({ drained: [], forcedPriority: 4 }, op)).toThrow("failoverGroup \"venue\": priority must be one of the group's levels (0), got 4");
    expect(group.history()).toEqual([]);
  });
});

describe('history', () => {
  it('keeps the latest historySize changes, oldest first', () => {
    const { group } = makeGroup({ historySize: 3 });
    for (const n of ['a', 'b', 'c', 'd']) group.drain(n, { reason: `drain ${n}` });
    group.undrain('a', { reason: 'undrain a' });
    expect(group.history().map((c) => c.detail)).toEqual(['drain c', 'drain d', 'undrain a']);
  });

  it('returns a copy', () => {
    const { group } = makeGroup();
    group.drain('a', op);
    group.history().pop();
    expect(group.history()).toHaveLength(1);
  });
});
