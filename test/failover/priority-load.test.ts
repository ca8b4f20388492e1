import { describe, expect, it } from 'vitest';
import { priorityLoads } from '../../src/failover/priority-load.js';

const loads = (levels: Array<[number, number]>, factor = 1.4): number[] =>
  priorityLoads(
    levels.map(([routable, total]) => ({ routable, total })),
    factor,
  ).loads.map((l) => Math.round(l * 1000) / 1000);

describe('priority loads (Envoy overprovisioning)', () => {
  it('sends everything to a healthy first level', () => {
    expect(loads([[4, 4], [4, 4]])).toEqual([1, 0]);
  });

  it('keeps a level whole while at least 1/factor of it is routable', () => {
    // 3 of 4 routable x 1.4 = 1.05, capped at 1.
    expect(loads([[3, 4], [4, 4]])).toEqual([1, 0]);
  });

  it('spills the share the first level lacks to the next one', () => {
    // 2 of 4 x 1.4 = 0.7.
    expect(loads([[2, 4], [4, 4]])).toEqual([0.7, 0.3]);
    expect(loads([[1, 4], [4, 4], [4, 4]])).toEqual([0.35, 0.65, 0]);
  });

  it('spills past a degraded second level to a third', () => {
    expect(loads([[1, 4], [1, 4], [4, 4]])).toEqual([0.35, 0.35, 0.3]);
  });

  it('scales the loads up when the levels together are below full health', () => {
    const result = priorityLoads([{ routable: 1, total: 4 }, { routable: 1, total: 4 }], 1.4);
    expect(result.totalHealth).toBeCloseTo(0.7);
    expect(result.loads.map((l) => Math.round(l * 1000) / 1000)).toEqual([0.5, 0.5]);
  });

  it('with factor 1 a level sheds in exact proportion to its losses', () => {
    expect(loads([[3, 4], [4, 4]], 1)).toEqual([0.75, 0.25]);
  });

  it('gives no load to anything when nothing is routable', () => {
    expect(priorityLoads([{ routable: 0, total: 4 }, { routable: 0, total: 0 }], 1.4)).toEqual({ loads: [0, 0], totalHealth: 0 });
  });
});
