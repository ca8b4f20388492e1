/** A passing active health check ends an outlier ejection early (outlierDetection.unejectOnHealthCheck). */
import { describe, expect, it } from 'vitest';
import type { EndpointStateChange } from '../../src/failover/types.js';
import { feed, makeGroup, stateOf } from './helpers.js';

const checks = { check: async (): Promise<boolean> => true, intervalMs: 1_000, jitterShare: 0, healthyThreshold: 2 };
const outliers = { baseEjectionMs: 30_000, intervalMs: 60_000 };

const endpointChanges = (changes: ReturnType<ReturnType<typeof makeGroup>['group']['history']>): EndpointStateChange[] =>
  changes.filter((c): c is EndpointStateChange => c.kind === 'endpoint');

describe('unejectOnHealthCheck', () => {
  it('ends an ejection once healthyThreshold checks begun since it passed, into slow start, saying why', async () => {
    const { group, clock } = makeGroup({ strategy: 'roundRobin', healthCheck: checks, outlierDetection: outliers, slowStart: { windowMs: 10_000 } });
    group.start();
    await clock.advance(0); // the first checks, at start
    await clock.advance(500);
    feed(group, 'a', 'gateway', 3);
    expect(stateOf(group, 'a')).toBe('ejected');
    await clock.advance(500); // one check since the ejection began
    expect(stateOf(group, 'a')).toBe('ejected');
    await clock.advance(1_000); // the second: back, 1.5 s into a 30 s ejection
    const a = group.snapshot().endpoints[0]!;
    expect(a.state).toBe('warming');
    expect(a.ejectedUntil).toBeUndefined();
    expect(a.weightFactor).toBe(0.1);
    expect(endpointChanges(group.history()).at(-1)).toEqual({
      kind: 'endpoint',
      group: 'venue',
      endpoint: 'a',
      from: 'ejected',
      to: 'warming',
      reason: 'health-check-passed',
      detail: '2 checks passed in a row since ejection 1 began: ejection over early',
      at: 1_002_000,
    });
    // The count of ejections stays for the backoff: failing again, it is out for twice as long.
    feed(group, 'a', 'gateway', 3);
    expect(group.snapshot().endpoints[0]!.ejectedUntil! - clock.now()).toBe(60_000);
    group.stop();
  });

  it('leaves the ejection to run its time when off', async () => {
    const { group, clock } = makeGroup({ healthCheck: checks, outlierDetection: { ...outliers, unejectOnHealthCheck: false }, slowStart: false });
    group.start();
    feed(group, 'a', 'gateway', 3);
    await clock.advance(29_999);
    expect(stateOf(group, 'a')).toBe('ejected');
    await clock.advance(1);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(endpointChanges(group.history()).map((c) => c.reason)).toEqual(['consecutive-gateway-failures', 'ejection-over']);
    group.stop();
  });

  it('does not count a check begun before the ejection', async () => {
    // Each check of A takes 100 ms; A is ejected while its first check is under way.
    const { group, clock } = makeGroup({
      healthCheck: { ...checks, healthyThreshold: 1, check: async (target) => (target === 'A' ? clock.sleep(100).then(() => true) : true) },
      outlierDetection: outliers,
      slowStart: false,
    });
    group.start();
    await clock.advance(50);
    feed(group, 'a', 'gateway', 3);
    await clock.advance(50); // the check begun before the ejection passes
    expect(stateOf(group, 'a')).toBe('ejected');
    await clock.advance(1_000); // the next one begins a check interval after the last ended
    expect(stateOf(group, 'a')).toBe('ejected');
    await clock.advance(100);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(endpointChanges(group.history()).at(-1)).toMatchObject({ reason: 'health-check-passed', at: 1_001_200 });
    group.stop();
  });

  it('starts the count again after a failed check', async () => {
    const results = [true, false, true, true];
    let i = 0;
    const { group, clock } = makeGroup({
      healthCheck: { ...checks, unhealthyThreshold: 5, check: async (target) => (target === 'A' ? results[i++] ?? true : true) },
      outlierDetection: outliers,
      slowStart: false,
    });
    feed(group, 'a', 'gateway', 3);
    group.start();
    await clock.advance(0); // passed
    await clock.advance(1_000); // failed
    await clock.advance(1_000); // passed
    expect(stateOf(group, 'a')).toBe('ejected');
    await clock.advance(1_000); // passed: two in a row
    expect(stateOf(group, 'a')).toBe('healthy');
    group.stop();
  });

  it('ends ill health and the ejection in one change when both end on the same check', async () => {
    let failing = true;
    const { group, clock } = makeGroup({
      healthCheck: { ...checks, unhealthyThreshold: 1, check: async (target) => (target === 'A' ? !failing : true) },
      outlierDetection: outliers,
      slowStart: false,
    });
    feed(group, 'a', 'gateway', 3);
    group.start();
    await clock.advance(0); // a failed check: unhealthy too, still shown ejected (the more severe)
    expect(stateOf(group, 'a')).toBe('ejected');
    failing = false;
    await clock.advance(2_000);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(endpointChanges(group.history()).map((c) => [c.from, c.to, c.reason])).toEqual([
      ['healthy', 'ejected', 'consecutive-gateway-failures'],
      ['ejected', 'healthy', 'health-check-passed'],
    ]);
    group.stop();
  });
});
