/** Passive health: each outlier-detection rule ejects, each ejection ends, and the limits hold. */
import { describe, expect, it } from 'vitest';
import type { EndpointStateChange } from '../../src/failover/types.js';
import { drive, endpoints, feed, makeGroup, stateOf } from './helpers.js';

const noSlowStart = { slowStart: false as const };

describe('consecutive failures', () => {
  it('ejects after consecutiveFailures failures in a row', () => {
    const { group } = makeGroup({ ...noSlowStart, outlierDetection: { consecutiveFailures: 4, consecutiveGatewayFailures: 0 } });
    feed(group, 'a', 'failure', 3);
    expect(stateOf(group, 'a')).toBe('healthy');
    feed(group, 'a', 'failure');
    expect(stateOf(group, 'a')).toBe('ejected');
    const [change] = group.history() as EndpointStateChange[];
    expect(change).toMatchObject({ endpoint: 'a', from: 'healthy', to: 'ejected', reason: 'consecutive-failures', detail: '4 failures in a row: ejected for 30000 ms (ejection 1)' });
  });

  it('counts gateway failures as failures, and a success ends the run', () => {
    const { group } = makeGroup({ ...noSlowStart, outlierDetection: { consecutiveFailures: 3, consecutiveGatewayFailures: 0 } });
    feed(group, 'a', 'gateway', 2);
    feed(group, 'a', 'success');
    feed(group, 'a', 'failure', 2);
    expect(stateOf(group, 'a')).toBe('healthy');
    feed(group, 'a', 'gateway');
    expect(stateOf(group, 'a')).toBe('ejected');
  });

  it('neither counts nor resets on a neutral outcome', () => {
    const { group } = makeGroup({ ...noSlowStart, outlierDetection: { consecutiveFailures: 3, consecutiveGatewayFailures: 0 } });
    feed(group, 'a', 'failure', 2);
    feed(group, 'a', 'neutral', 10);
    expect(stateOf(group, 'a')).toBe('healthy');
    feed(group, 'a', 'failure');
    expect(stateOf(group, 'a')).toBe('ejected');
  });

  it('is off at 0', () => {
    const { group } = makeGroup({ outlierDetection: { consecutiveFailures: 0, consecutiveGatewayFailures: 0, failurePercentage: 0 } });
    feed(group, 'a', 'gateway', 100);
    expect(stateOf(group, 'a')).toBe('healthy');
  });
});

describe('consecutive gateway failures', () => {
  it('ejects after consecutiveGatewayFailures gateway failures in a row', () => {
    const { group } = makeGroup(noSlowStart);
    feed(group, 'b', 'gateway', 3);
    expect(group.history()[0]).toMatchObject({ endpoint: 'b', reason: 'consecutive-gateway-failures', detail: '3 gateway failures in a row: ejected for 30000 ms (ejection 1)' });
  });

  it('restarts the run on a non-gateway failure', () => {
    const { group } = makeGroup({ ...noSlowStart, outlierDetection: { consecutiveFailures: 0 } });
    feed(group, 'b', 'gateway', 2);
    feed(group, 'b', 'failure');
    feed(group, 'b', 'gateway', 2);
    expect(stateOf(group, 'b')).toBe('healthy');
    feed(group, 'b', 'gateway');
    expect(stateOf(group, 'b')).toBe('ejected');
  });
});

describe('failure percentage (each interval)', () => {
  const options = { ...noSlowStart, outlierDetection: { consecutiveFailures: 0, consecutiveGatewayFailures: 0, failurePercentage: 0.5, failurePercentageMinimumCalls: 20, intervalMs: 10_000 } };

  it('ejects at the end of an interval an endpoint whose failure share reached the limit', async () => {
    const { group, clock } = makeGroup(options);
    for (let i = 0; i < 10; i++) {
      feed(group, 'c', 'failure');
      feed(group, 'c', 'success');
    }
    expect(stateOf(group, 'c')).toBe('healthy');
    await clock.advance(10_000);
    expect(stateOf(group, 'c')).toBe('ejected');
    expect(group.history()[0]).toMatchObject({ reason: 'failure-percentage', detail: '50 % of 20 calls failed (limit 50 %): ejected for 30000 ms (ejection 1)', at: 1_010_000 });
  });

  it('does not judge an endpoint with fewer calls than the minimum', async () => {
    const { group, clock } = makeGroup(options);
    feed(group, 'c', 'failure', 19);
    feed(group, 'c', 'success', 0);
    await clock.advance(10_000);
    expect(stateOf(group, 'c')).toBe('healthy');
  });

  it('needs failurePercentageMinimumEndpoints endpoints with enough calls', async () => {
    const { group, clock } = makeGroup({ ...options, outlierDetection: { ...options.outlierDetection, failurePercentageMinimumEndpoints: 2 } });
    for (let i = 0; i < 10; i++) feed(group, 'c', 'failure', 2);
    await clock.advance(10_000);
    expect(stateOf(group, 'c')).toBe('healthy');
  });

  it('starts each interval afresh', async () => {
    const { group, clock } = makeGroup(options);
    feed(group, 'c', 'failure', 10);
    await clock.advance(10_000);
    feed(group, 'c', 'success', 10);
    await clock.advance(10_000);
    expect(stateOf(group, 'c')).toBe('healthy');
  });
});

describe('success rate (each interval)', () => {
  const options = { ...noSlowStart, endpoints: endpoints(6), outlierDetection: { consecutiveFailures: 0, consecutiveGatewayFailures: 0, failurePercentage: 0, successRateMinimumCalls: 100, successRateMinimumEndpoints: 5 } };

  /** 100 calls per endpoint, `failures[name]` of them failing, spread out. */
  function interval(group: ReturnType<typeof makeGroup>['group'], failures: Record<string, number>): void {
    for (const [name, failed] of Object.entries(failures)) for (let i = 0; i < 100; i++) feed(group, name, i < failed ? 'failure' : 'success');
  }

  it('ejects an endpoint whose success rate is below the mean by more than the stdev factor', async () => {
    const { group, clock } = makeGroup(options);
    interval(group, { a: 1, b: 0, c: 2, d: 1, e: 0, f: 20 });
    await clock.advance(10_000);
    expect(group.snapshot().endpoints.filter((e) => e.state === 'ejected').map((e) => e.name)).toEqual(['f']);
    expect(group.history()[0]).toMatchObject({ endpoint: 'f', reason: 'success-rate' });
    // Rates 99, 100, 98, 99, 100, 80 %: mean 96 %, population stdev 7.2 %, threshold 96 - 1.9 x 7.2 = 82.3 %.
    expect((group.history()[0] as EndpointStateChange).detail).toBe('success rate 80 % below 82.3 % (group mean 96 % - 1.9 x 7.2 %): ejected for 30000 ms (ejection 1)');
  });

  it('leaves a group alone whose endpoints are alike', async () => {
    const { group, clock } = makeGroup(options);
    interval(group, { a: 1, b: 0, c: 2, d: 1, e: 0, f: 3 });
    await clock.advance(10_000);
    expect(group.snapshot().endpoints.every((e) => e.state === 'healthy')).toBe(true);
  });

  it('needs successRateMinimumEndpoints endpoints with enough calls', async () => {
    const { group, clock } = makeGroup(options);
    interval(group, { a: 1, b: 0, c: 2, f: 20 });
    await clock.advance(10_000);
    expect(stateOf(group, 'f')).toBe('healthy');
  });
});

describe('ejection time', () => {
  const options = { ...noSlowStart, outlierDetection: { baseEjectionMs: 10_000, maxEjectionMs: 25_000, intervalMs: 10_000 } };

  it('ends after the base time and brings the endpoint back', async () => {
    const { group, clock } = makeGroup(options);
    group.start();
    feed(group, 'a', 'gateway', 3);
    await clock.advance(9_999);
    expect(stateOf(group, 'a')).toBe('ejected');
    await clock.advance(1);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(group.history()[1]).toMatchObject({ endpoint: 'a', from: 'ejected', to: 'healthy', reason: 'ejection-over', at: 1_010_000 });
    group.stop();
  });

  it('ends without a timer too, dated when it was due', async () => {
    const { group, clock } = makeGroup(options);
    feed(group, 'a', 'gateway', 3);
    await clock.advance(15_000);
    expect(drive(group, 4).get('a')).toBe(1);
    expect(group.history()[1]).toMatchObject({ reason: 'ejection-over', at: 1_010_000 });
  });

  it('lasts the base time x the number of ejections, up to maxEjectionMs', async () => {
    const { group, clock } = makeGroup(options);
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      feed(group, 'a', 'gateway', 3);
      const ejected = group.snapshot().endpoints[0]!;
      durations.push(ejected.ejectedUntil! - clock.now());
      await clock.advance(durations[i]!);
      expect(stateOf(group, 'a')).toBe('healthy');
    }
    expect(durations).toEqual([10_000, 20_000, 25_000, 25_000]);
  });

  it('forgets one ejection per interval spent in service (Envoy backoff decay)', async () => {
    const { group, clock } = makeGroup(options);
    feed(group, 'a', 'gateway', 3);
    await clock.advance(10_000);
    feed(group, 'a', 'gateway', 3);
    await clock.advance(20_000);
    expect(group.snapshot().endpoints[0]!.ejections).toBe(2);
    // Two intervals in service take the count back to 0: the next ejection lasts the base time.
    await clock.advance(20_000);
    expect(group.snapshot().endpoints[0]!.ejections).toBe(0);
    feed(group, 'a', 'gateway', 3);
    expect(group.snapshot().endpoints[0]!.ejectedUntil! - clock.now()).toBe(10_000);
  });
});

describe('maxEjectionShare', () => {
  it('ejects no more than the share of the group, the other outliers stay in', () => {
    const { group } = makeGroup({ endpoints: endpoints(5), outlierDetection: { maxEjectionShare: 0.4 }, panicThreshold: 0 });
    for (const n of ['a', 'b', 'c', 'd']) feed(group, n, 'gateway', 3);
    expect(group.snapshot().endpoints.map((e) => e.state)).toEqual(['ejected', 'ejected', 'healthy', 'healthy', 'healthy']);
  });

  it('always allows one ejection, even when the share is below one endpoint', () => {
    const { group } = makeGroup({ endpoints: endpoints(3), outlierDetection: { maxEjectionShare: 0.1 } });
    feed(group, 'a', 'gateway', 3);
    feed(group, 'b', 'gateway', 3);
    expect(group.snapshot().endpoints.map((e) => e.state)).toEqual(['ejected', 'healthy', 'healthy']);
  });

  it('ejects a waiting outlier once an ejection ends and makes room', async () => {
    const { group, clock } = makeGroup({ ...noSlowStart, endpoints: endpoints(3), outlierDetection: { maxEjectionShare: 0.1, baseEjectionMs: 1_000 } });
    feed(group, 'a', 'gateway', 3);
    feed(group, 'b', 'gateway', 3);
    await clock.advance(1_000);
    feed(group, 'b', 'gateway');
    expect(group.snapshot().endpoints.map((e) => e.state)).toEqual(['healthy', 'ejected', 'healthy']);
  });
});

describe('outlier detection off', () => {
  it('never ejects', () => {
    const { group } = makeGroup({ outlierDetection: false });
    feed(group, 'a', 'gateway', 50);
    expect(stateOf(group, 'a')).toBe('healthy');
  });
});

describe('ejection jitter (maxEjectionJitterMs)', () => {
  it('adds a random 0 to maxEjectionJitterMs to each ejection, drawn from the seeded random, and says so', () => {
    const { group, clock } = makeGroup({ ...noSlowStart, strategy: 'roundRobin', endpoints: endpoints(6), outlierDetection: { baseEjectionMs: 10_000, maxEjectionJitterMs: 2_000, maxEjectionShare: 1 }, panicThreshold: 0 });
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) feed(group, n, 'gateway', 3);
    const durations = group.snapshot().endpoints.map((e) => e.ejectedUntil! - clock.now());
    for (const d of durations) {
      expect(d).toBeGreaterThanOrEqual(10_000);
      expect(d).toBeLessThanOrEqual(12_000);
      expect(Number.isInteger(d)).toBe(true);
    }
    // Ejected together, they do not come back together.
    expect(new Set(durations).size).toBe(6);
    const first = group.history()[0] as EndpointStateChange;
    expect(first.detail).toBe(`3 gateway failures in a row: ejected for ${durations[0]} ms (ejection 1, ${durations[0]! - 10_000} ms of it jitter)`);
    // The same seed draws the same ejections.
    const again = makeGroup({ ...noSlowStart, strategy: 'roundRobin', endpoints: endpoints(6), outlierDetection: { baseEjectionMs: 10_000, maxEjectionJitterMs: 2_000, maxEjectionShare: 1 }, panicThreshold: 0 });
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) feed(again.group, n, 'gateway', 3);
    expect(again.group.snapshot().endpoints.map((e) => e.ejectedUntil! - again.clock.now())).toEqual(durations);
  });

  it('is added after the cap: an ejection at maxEjectionMs lasts up to maxEjectionMs + the jitter (Envoy)', async () => {
    const { group, clock } = makeGroup({ ...noSlowStart, outlierDetection: { baseEjectionMs: 10_000, maxEjectionMs: 10_000, maxEjectionJitterMs: 500 } });
    for (let i = 0; i < 3; i++) {
      feed(group, 'a', 'gateway', 3);
      const d = group.snapshot().endpoints[0]!.ejectedUntil! - clock.now();
      expect(d).toBeGreaterThanOrEqual(10_000);
      expect(d).toBeLessThanOrEqual(10_500);
      await clock.advance(d - 1);
      expect(stateOf(group, 'a')).toBe('ejected');
      await clock.advance(1);
      expect(stateOf(group, 'a')).toBe('healthy');
    }
  });

  it('draws nothing when off (the default): ejections last what the backoff says', () => {
    let draws = 0;
    const { group, clock } = makeGroup({
      ...noSlowStart,
      strategy: 'roundRobin',
      random: () => {
        draws++;
        return 0.5;
      },
    });
    feed(group, 'a', 'gateway', 3);
    expect(draws).toBe(0);
    expect(group.snapshot().endpoints[0]!.ejectedUntil! - clock.now()).toBe(30_000);
  });
});
