/** Each strategy's choice of endpoint, measured over many picks on a seeded random source. */
import { describe, expect, it } from 'vitest';
import type { RoutingChange } from '../../src/failover/types.js';
import { drive, endpoints, feed, makeGroup } from './helpers.js';

const share = (counts: Map<string, number>, names: string[], total: number): number => names.reduce((s, n) => s + (counts.get(n) ?? 0), 0) / total;

describe('roundRobin', () => {
  it('takes each routable endpoint in turn and skips an ejected one', () => {
    const { group } = makeGroup({ strategy: 'roundRobin' });
    expect([1, 2, 3, 4, 5].map(() => group.pick().name)).toEqual(['a', 'b', 'c', 'd', 'a']);
    feed(group, 'c', 'gateway', 3);
    expect([1, 2, 3, 4, 5, 6].map(() => group.pick().name)).toEqual(['b', 'd', 'a', 'b', 'd', 'a']);
  });

  it('ignores weights and priorities', () => {
    const { group } = makeGroup({ strategy: 'roundRobin', endpoints: [{ name: 'a', target: 'A', weight: 10 }, { name: 'b', target: 'B', priority: 3 }] });
    expect([1, 2, 3, 4].map(() => group.pick().name)).toEqual(['a', 'b', 'a', 'b']);
  });
});

describe('weighted (smooth weighted round robin)', () => {
  it('gives each endpoint its weight share, spread out rather than in runs', () => {
    const { group } = makeGroup({ strategy: 'weighted', endpoints: [{ name: 'a', target: 'A', weight: 5 }, { name: 'b', target: 'B', weight: 1 }, { name: 'c', target: 'C', weight: 1, priority: 1 }] });
    // nginx's example: weights 5, 1, 1 give a a b a c a a.
    expect([1, 2, 3, 4, 5, 6, 7].map(() => group.pick().name)).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
    const counts = drive(group, 7_000);
    expect([counts.get('a'), counts.get('b'), counts.get('c')]).toEqual([5_000, 1_000, 1_000]);
  });
});

describe('priority', () => {
  const twoLevels = { strategy: 'priority' as const, endpoints: [...endpoints(4), ...endpoints(8).slice(4).map((e) => ({ ...e, priority: 1 }))], outlierDetection: { maxEjectionShare: 1 }, slowStart: false as const };
  const level0 = ['a', 'b', 'c', 'd'];

  it('sends every call to the preferred level while it is healthy, spread by weight', () => {
    const { group } = makeGroup(twoLevels);
    const counts = drive(group, 4_000);
    expect(share(counts, level0, 4_000)).toBe(1);
    expect(level0.map((n) => counts.get(n))).toEqual([1_000, 1_000, 1_000, 1_000]);
  });

  it('keeps the whole load on a level with one endpoint of four ejected (overprovisioning 1.4)', () => {
    const { group } = makeGroup(twoLevels);
    feed(group, 'a', 'gateway', 3);
    const counts = drive(group, 3_000);
    expect(counts.get('a')).toBeUndefined();
    expect(share(counts, level0, 3_000)).toBe(1);
  });

  it('spills 30 % to the next level with two of four ejected (health 2/4 x 1.4 = 70 %)', () => {
    const { group } = makeGroup(twoLevels);
    feed(group, 'a', 'gateway', 3);
    feed(group, 'b', 'gateway', 3);
    const counts = drive(group, 20_000);
    expect(share(counts, level0, 20_000)).toBeGreaterThan(0.68);
    expect(share(counts, level0, 20_000)).toBeLessThan(0.72);
    expect(counts.get('a')).toBeUndefined();
    expect(counts.get('b')).toBeUndefined();
  });

  it('fails over to the next level when the first has nothing routable, and fails back when it returns', async () => {
    const { group, clock } = makeGroup(twoLevels);
    const changes: RoutingChange[] = [];
    group.on('routingChange', (c) => changes.push(c));
    for (const n of level0) feed(group, n, 'gateway', 3);
    const counts = drive(group, 1_000);
    expect(share(counts, ['e', 'f', 'g', 'h'], 1_000)).toBe(1);
    expect(group.snapshot().activePriority).toBe(1);
    expect(changes.map((c) => [c.reason, c.activePriority])).toEqual([['failover', 1]]);
    await clock.advance(30_000);
    group.pick();
    expect(group.snapshot().activePriority).toBe(0);
    expect(changes.map((c) => [c.reason, c.activePriority])).toEqual([
      ['failover', 1],
      ['failback', 0],
    ]);
    expect(changes[0]!.detail).toBe('traffic moved from priority 0 to priority 1');
  });

  it('uses weights within a level', () => {
    const { group } = makeGroup({ strategy: 'priority', endpoints: [{ name: 'a', target: 'A', weight: 3 }, { name: 'b', target: 'B' }, { name: 'c', target: 'C', priority: 1 }] });
    const counts = drive(group, 400);
    expect([counts.get('a'), counts.get('b'), counts.get('c')]).toEqual([300, 100, undefined]);
  });
});

describe('p2c (peak EWMA x calls in flight)', () => {
  it('sends most calls to the fast endpoints once it has seen the slow one', async () => {
    const { group, clock } = makeGroup({ strategy: 'p2c', endpoints: endpoints(5), outlierDetection: false });
    const counts = new Map<string, number>();
    for (let i = 0; i < 5_000; i++) {
      const e = group.pick();
      counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
      await clock.advance(1);
      group.record(e, 'success', e.name === 'c' ? 100 : 10);
    }
    expect((counts.get('c') ?? 0) / 5_000).toBeLessThan(0.01);
    for (const n of ['a', 'b', 'd', 'e']) expect((counts.get(n) ?? 0) / 5_000).toBeGreaterThan(0.2);
  });

  it('prefers an idle slower endpoint to a faster one loaded with calls in flight', () => {
    const { group } = makeGroup({ strategy: 'p2c', endpoints: endpoints(2), outlierDetection: false });
    feed(group, 'a', 'success', 1, 10);
    feed(group, 'b', 'success', 1, 30);
    // a costs 10 x (in flight + 1): with 3 in flight (40) it is dearer than an idle b (30).
    const held = [];
    while (held.length < 3) {
      const e = group.pick();
      if (e.name === 'a') held.push(e);
      else group.record(e, 'neutral', 0);
    }
    expect(group.pick().name).toBe('b');
  });

  it('tries an endpoint again once its slow sample has aged (the EWMA decays towards 0)', async () => {
    const { group, clock } = makeGroup({ strategy: 'p2c', endpoints: endpoints(2), outlierDetection: false, latencyDecayMs: 1_000 });
    feed(group, 'a', 'success', 1, 10);
    feed(group, 'b', 'success', 1, 500);
    expect(group.pick().name).toBe('a');
    group.record({ name: 'a', target: 'A', priority: 0 }, 'neutral', 0);
    // After 5 s b's 500 ms has decayed to 3.4 ms, a's 10 ms to 0.07 ms: a still wins...
    await clock.advance(5_000);
    feed(group, 'a', 'success', 1, 10);
    // ...but a fresh 10 ms sample of a is dearer than b's aged one.
    expect(group.pick().name).toBe('b');
  });

  it('probes an endpoint with no latency yet one call at a time', () => {
    const { group } = makeGroup({ strategy: 'p2c', endpoints: endpoints(2), outlierDetection: false });
    feed(group, 'a', 'success', 1, 50);
    const first = group.pick();
    expect(first.name).toBe('b');
    // b has a call in flight and no answer yet: it is not sent a second one.
    expect(group.pick().name).toBe('a');
  });
});

describe('exclude', () => {
  it.each(['priority', 'p2c', 'roundRobin', 'weighted'] as const)('%s avoids the endpoints a call already tried while another is routable', (strategy) => {
    const { group } = makeGroup({ strategy, endpoints: [...endpoints(2), { name: 'z', target: 'Z', priority: 1 }] });
    for (let i = 0; i < 50; i++) expect(group.pick(new Set(['a'])).name).not.toBe('a');
    // Every endpoint of the preferred level tried: the next level is used before trying one again.
    expect(group.pick(new Set(['a', 'b'])).name).toBe('z');
    // Every endpoint tried: one is still chosen rather than no call at all.
    expect(['a', 'b', 'z']).toContain(group.pick(new Set(['a', 'b', 'z'])).name);
  });
});
