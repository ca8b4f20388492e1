/** Active health: thresholds, timeout, jitter and stop, all on the manual clock. */
import { describe, expect, it } from 'vitest';
import { makeGroup, stateOf } from './helpers.js';

describe('active health checks', () => {
  it('marks an endpoint unhealthy after unhealthyThreshold failed checks and healthy after healthyThreshold passed ones', async () => {
    let failing = true;
    const { group, clock } = makeGroup({
      slowStart: false,
      healthCheck: { check: async (target) => (target === 'A' ? !failing : true), intervalMs: 1_000, jitterShare: 0, unhealthyThreshold: 3, healthyThreshold: 2 },
    });
    group.start();
    await clock.advance(1_000); // checks at 0 and 1000
    expect(stateOf(group, 'a')).toBe('healthy');
    await clock.advance(1_000); // the third failure
    expect(stateOf(group, 'a')).toBe('unhealthy');
    expect(group.history()[0]).toMatchObject({ endpoint: 'a', to: 'unhealthy', reason: 'health-check-failed', detail: '3 checks failed in a row, the last: check returned false' });
    expect([1, 2, 3, 4, 5, 6].map(() => group.pick().name)).not.toContain('a');
    failing = false;
    await clock.advance(1_000);
    expect(stateOf(group, 'a')).toBe('unhealthy');
    await clock.advance(1_000);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(group.history()[1]).toMatchObject({ endpoint: 'a', from: 'unhealthy', to: 'healthy', reason: 'health-check-passed', detail: '2 checks passed in a row' });
    group.stop();
  });

  it('fails a check that throws, with the error in the snapshot', async () => {
    const { group, clock } = makeGroup({
      healthCheck: {
        check: async (target) => {
          if (target === 'B') throw new Error('connect ECONNREFUSED');
        },
        intervalMs: 1_000,
        jitterShare: 0,
        unhealthyThreshold: 1,
      },
    });
    group.start();
    await clock.advance(0);
    const b = group.snapshot().endpoints[1]!;
    expect(b.state).toBe('unhealthy');
    expect(b.lastCheck).toEqual({ at: 1_000_000, ok: false, latencyMs: 0, error: 'connect ECONNREFUSED' });
    expect(group.snapshot().endpoints[0]!.lastCheck).toEqual({ at: 1_000_000, ok: true, latencyMs: 0 });
    group.stop();
  });

  it('fails a check that has not answered after timeoutMs and aborts its signal', async () => {
    const signals: AbortSignal[] = [];
    const { group, clock } = makeGroup({
      healthCheck: {
        check: (target, signal) => {
          if (target === 'C') signals.push(signal);
          return target === 'C' ? new Promise(() => undefined) : Promise.resolve(true);
        },
        intervalMs: 5_000,
        jitterShare: 0,
        timeoutMs: 300,
        unhealthyThreshold: 1,
      },
    });
    group.start();
    await clock.advance(299);
    expect(stateOf(group, 'c')).toBe('healthy');
    expect(signals[0]!.aborted).toBe(false);
    await clock.advance(1);
    expect(stateOf(group, 'c')).toBe('unhealthy');
    expect(signals[0]!.aborted).toBe(true);
    expect(group.snapshot().endpoints[2]!.lastCheck).toMatchObject({ ok: false, latencyMs: 300, error: 'timed out after 300 ms' });
    group.stop();
  });

  it('waits the interval plus up to jitterShare of it between checks, the first within the jitter of start', async () => {
    const times = new Map<string, number[]>();
    const { group, clock } = makeGroup({
      healthCheck: {
        check: async (target) => {
          times.set(target, [...(times.get(target) ?? []), clock.now() - 1_000_000]);
          return true;
        },
        intervalMs: 1_000,
        jitterShare: 0.2,
      },
    });
    group.start();
    await clock.advance(60_000);
    group.stop();
    const gaps: number[] = [];
    for (const list of times.values()) {
      expect(list[0]).toBeGreaterThanOrEqual(0);
      expect(list[0]).toBeLessThanOrEqual(200);
      for (let i = 1; i < list.length; i++) gaps.push(list[i]! - list[i - 1]!);
    }
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_200);
    // The jitter is drawn, not fixed: the gaps differ.
    expect(new Set(gaps).size).toBeGreaterThan(10);
  });

  it('runs no check before start() and none after stop()', async () => {
    let calls = 0;
    const { group, clock } = makeGroup({ healthCheck: { check: async () => void calls++, intervalMs: 1_000, jitterShare: 0 } });
    await clock.advance(5_000);
    expect(calls).toBe(0);
    group.start();
    group.start();
    await clock.advance(0);
    expect(calls).toBe(4);
    group.stop();
    await clock.advance(10_000);
    expect(calls).toBe(4);
    expect(clock.pendingTimers).toBe(0);
  });

  it('ignores a check that answers after stop()', async () => {
    let release: (ok: boolean) => void = () => undefined;
    const { group, clock } = makeGroup({
      healthCheck: { check: (target) => (target === 'A' ? new Promise<boolean>((r) => (release = r)) : Promise.resolve(true)), intervalMs: 1_000, jitterShare: 0, unhealthyThreshold: 1 },
    });
    group.start();
    await clock.advance(0);
    group.stop();
    release(false);
    await clock.advance(0);
    expect(stateOf(group, 'a')).toBe('healthy');
    expect(group.snapshot().endpoints[0]!.lastCheck).toBeUndefined();
  });
});
