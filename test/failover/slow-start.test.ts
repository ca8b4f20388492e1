/** Slow start: a returning endpoint's weight factor ramps over the window. */
import { describe, expect, it } from 'vitest';
import { drive, feed, makeGroup, stateOf } from './helpers.js';

const factorOf = (group: ReturnType<typeof makeGroup>['group'], name: string): number => group.snapshot().endpoints.find((e) => e.name === name)!.weightFactor;

describe('slow start', () => {
  const outlierDetection = { baseEjectionMs: 10_000 };

  it('brings an ejected endpoint back warming at minWeightShare, ramping linearly to full over the window', async () => {
    const { group, clock } = makeGroup({ outlierDetection, slowStart: { windowMs: 20_000, aggression: 1, minWeightShare: 0.1 } });
    feed(group, 'a', 'gateway', 3);
    await clock.advance(10_000);
    expect(stateOf(group, 'a')).toBe('warming');
    expect(factorOf(group, 'a')).toBe(0.1);
    await clock.advance(10_000);
    expect(factorOf(group, 'a')).toBeCloseTo(0.5);
    await clock.advance(5_000);
    expect(factorOf(group, 'a')).toBeCloseTo(0.75);
    await clock.advance(5_000);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(factorOf(group, 'a')).toBe(1);
    expect(group.history().map((c) => (c.kind === 'endpoint' ? [c.from, c.to, c.reason, c.at - 1_000_000] : []))).toEqual([
      ['healthy', 'ejected', 'consecutive-gateway-failures', 0],
      ['ejected', 'warming', 'ejection-over', 10_000],
      ['warming', 'healthy', 'slow-start-over', 30_000],
    ]);
  });

  it('ramps faster early with a higher aggression: (t / window) ^ (1 / aggression)', async () => {
    const { group, clock } = makeGroup({ outlierDetection, slowStart: { windowMs: 40_000, aggression: 2, minWeightShare: 0 } });
    feed(group, 'a', 'gateway', 3);
    await clock.advance(10_000 + 10_000);
    // A quarter of the window: sqrt(0.25) = 0.5, where a linear ramp would give 0.25.
    expect(factorOf(group, 'a')).toBeCloseTo(0.5);
  });

  it('gives a warming endpoint a growing share of the calls', async () => {
    const { group, clock } = makeGroup({ strategy: 'weighted', outlierDetection, slowStart: { windowMs: 40_000, aggression: 1, minWeightShare: 0.1 } });
    feed(group, 'a', 'gateway', 3);
    await clock.advance(10_000);
    const early = drive(group, 1_000).get('a') ?? 0;
    await clock.advance(30_000);
    const late = drive(group, 1_000).get('a') ?? 0;
    await clock.advance(10_000);
    const full = drive(group, 1_000).get('a') ?? 0;
    // Factor 0.1 against three at 1: 3.2 %; 0.75 (30 s of 40 s): 20 %; 1: 25 %.
    expect(early).toBeGreaterThan(20);
    expect(early).toBeLessThan(45);
    expect(late).toBeGreaterThan(190);
    expect(late).toBeLessThan(210);
    expect(full).toBe(250);
  });

  it('makes a warming endpoint look dearer to p2c', async () => {
    const { group, clock } = makeGroup({ strategy: 'p2c', outlierDetection, slowStart: { windowMs: 60_000, minWeightShare: 0.1 } });
    for (const n of ['a', 'b', 'c', 'd']) feed(group, n, 'success', 1, 10);
    feed(group, 'a', 'gateway', 3, 10);
    await clock.advance(10_000);
    for (const n of ['a', 'b', 'c', 'd']) feed(group, n, 'success', 1, 10);
    // Same latency, a at a tenth of its weight: it loses every pair it is drawn in.
    expect(drive(group, 200, () => 'neutral').get('a')).toBeUndefined();
  });

  it('starts the ramp again for an endpoint ejected while warming', async () => {
    const { group, clock } = makeGroup({ outlierDetection, slowStart: { windowMs: 20_000, minWeightShare: 0.1 } });
    feed(group, 'a', 'gateway', 3);
    await clock.advance(10_000);
    await clock.advance(15_000);
    expect(factorOf(group, 'a')).toBeCloseTo(0.75);
    feed(group, 'a', 'gateway', 3);
    expect(stateOf(group, 'a')).toBe('ejected');
    // Back when the ejection ends, at the bottom of the ramp.
    await clock.advance(group.snapshot().endpoints[0]!.ejectedUntil! - clock.now());
    expect(stateOf(group, 'a')).toBe('warming');
    expect(factorOf(group, 'a')).toBe(0.1);
  });

  it('is off with slowStart false: a returning endpoint is healthy at once', async () => {
    const { group, clock } = makeGroup({ outlierDetection, slowStart: false });
    feed(group, 'a', 'gateway', 3);
    await clock.advance(10_000);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(factorOf(group, 'a')).toBe(1);
  });

  it('does not warm the endpoints a group starts with', () => {
    const { group } = makeGroup();
    expect(group.snapshot().endpoints.every((e) => e.state === 'healthy' && e.weightFactor === 1)).toBe(true);
  });
});
