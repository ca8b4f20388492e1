import { describe, expect, it } from 'vitest';
import { FAILOVER_GROUP_DEFAULTS, resolveFailoverOptions } from '../../src/failover/options.js';
import type { FailoverGroupOptions } from '../../src/failover/options.js';
import { endpoints } from './helpers.js';

const base = (): FailoverGroupOptions<string> => ({ name: 'venue', endpoints: endpoints(3) });
const resolve = (extra: Record<string, unknown>): unknown => resolveFailoverOptions({ ...base(), ...extra } as FailoverGroupOptions<string>);

describe('failoverGroup options', () => {
  it('applies the defaults to what is left out', () => {
    const o = resolveFailoverOptions(base());
    expect(o.strategy).toBe(FAILOVER_GROUP_DEFAULTS.strategy);
    expect(o.overprovisioningFactor).toBe(1.4);
    expect(o.panicThreshold).toBe(0.5);
    expect(o.outlierDetection).toEqual(FAILOVER_GROUP_DEFAULTS.outlierDetection);
    // Envoy's: no ejection jitter, and a passing health check ends an ejection.
    expect(o.outlierDetection).toMatchObject({ maxEjectionJitterMs: 0, unejectOnHealthCheck: true });
    expect(o.slowStart).toEqual(FAILOVER_GROUP_DEFAULTS.slowStart);
    expect(o.healthCheck).toBeUndefined();
    expect(o.endpoints[0]).toEqual({ name: 'a', target: 'A', priority: 0, weight: 1 });
  });

  it('takes a partial outlier-detection, health-check and slow-start object over the defaults', () => {
    const check = async (): Promise<boolean> => true;
    const o = resolveFailoverOptions({ ...base(), outlierDetection: { baseEjectionMs: 5_000 }, healthCheck: { check, intervalMs: 1_000 }, slowStart: { windowMs: 10_000 } });
    expect(o.outlierDetection).toEqual({ ...FAILOVER_GROUP_DEFAULTS.outlierDetection, baseEjectionMs: 5_000 });
    expect(o.healthCheck).toEqual({ ...FAILOVER_GROUP_DEFAULTS.healthCheck, check, intervalMs: 1_000 });
    expect(o.slowStart?.windowMs).toBe(10_000);
  });

  it('turns passive health and slow start off with false', () => {
    const o = resolveFailoverOptions({ ...base(), outlierDetection: false, slowStart: false });
    expect(o.outlierDetection).toBeUndefined();
    expect(o.slowStart).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['name', { name: ' ' }, /failoverGroup: name must be a non-empty string, got " "/],
    ['strategy', { strategy: 'random' }, /failoverGroup: strategy must be one of 'priority', 'p2c', 'roundRobin', 'weighted', got random/],
    ['overprovisioningFactor', { overprovisioningFactor: 0.5 }, /failoverGroup: overprovisioningFactor must be a finite number >= 1, got 0.5/],
    ['panicThreshold', { panicThreshold: 1.5 }, /failoverGroup: panicThreshold must be a finite number >= 0 and <= 1, got 1.5/],
    ['endpoints (empty)', { endpoints: [] }, /failoverGroup: endpoints must be an array of \{ name, target \} with at least 1 item, got 0 items/],
    ['endpoints (not an array)', { endpoints: 'api1' }, /failoverGroup: endpoints must be an array .*, got api1/],
    ['an endpoint name', { endpoints: [{ name: '', target: 'x' }] }, /failoverGroup: endpoints\[0\]\.name must be a non-empty string, got ""/],
    ['a duplicate name', { endpoints: [{ name: 'a', target: 'x' }, { name: 'a', target: 'y' }] }, /failoverGroup: endpoints\[1\]\.name must be unique in the group, got "a" twice/],
    ['a priority', { endpoints: [{ name: 'a', target: 'x', priority: -1 }] }, /failoverGroup: endpoints\[0\]\.priority must be an integer >= 0, got -1/],
    ['a weight', { endpoints: [{ name: 'a', target: 'x', weight: 0 }] }, /failoverGroup: endpoints\[0\]\.weight must be a finite number > 0, got 0/],
    ['outlierDetection.maxEjectionShare', { outlierDetection: { maxEjectionShare: 2 } }, /failoverGroup: outlierDetection\.maxEjectionShare must be a finite number >= 0 and <= 1, got 2/],
    ['outlierDetection.consecutiveFailures', { outlierDetection: { consecutiveFailures: 1.5 } }, /failoverGroup: outlierDetection\.consecutiveFailures must be an integer >= 0, got 1.5/],
    ['outlierDetection.intervalMs', { outlierDetection: { intervalMs: 0 } }, /failoverGroup: outlierDetection\.intervalMs must be a finite number > 0, got 0/],
    ['outlierDetection.maxEjectionMs', { outlierDetection: { baseEjectionMs: 60_000, maxEjectionMs: 30_000 } }, /failoverGroup: outlierDetection\.maxEjectionMs must be >= outlierDetection\.baseEjectionMs \(60000\), got 30000/],
    ['outlierDetection.maxEjectionJitterMs', { outlierDetection: { maxEjectionJitterMs: -1 } }, /failoverGroup: outlierDetection\.maxEjectionJitterMs must be a finite number >= 0, got -1/],
    ['outlierDetection.unejectOnHealthCheck', { outlierDetection: { unejectOnHealthCheck: 'yes' } }, /failoverGroup: outlierDetection\.unejectOnHealthCheck must be a boolean, got string/],
    ['outlierDetection', { outlierDetection: 3 }, /failoverGroup: outlierDetection must be an object or false, got 3/],
    ['healthCheck.check', { healthCheck: {} }, /failoverGroup: healthCheck\.check must be a function, got undefined/],
    ['healthCheck.jitterShare', { healthCheck: { check: () => Promise.resolve(), jitterShare: -0.1 } }, /failoverGroup: healthCheck\.jitterShare must be a finite number >= 0 and <= 1, got -0.1/],
    ['healthCheck.unhealthyThreshold', { healthCheck: { check: () => Promise.resolve(), unhealthyThreshold: 0 } }, /failoverGroup: healthCheck\.unhealthyThreshold must be an integer >= 1, got 0/],
    ['slowStart.aggression', { slowStart: { aggression: 0 } }, /failoverGroup: slowStart\.aggression must be a finite number > 0, got 0/],
    ['slowStart.minWeightShare', { slowStart: { minWeightShare: 1.2 } }, /failoverGroup: slowStart\.minWeightShare must be a finite number >= 0 and <= 1, got 1.2/],
    ['classify', { classify: 'gateway' }, /failoverGroup: classify must be a function, got string/],
    ['latencyDecayMs', { latencyDecayMs: -1 }, /failoverGroup: latencyDecayMs must be a finite number > 0, got -1/],
    ['historySize', { historySize: 0 }, /failoverGroup: historySize must be an integer >= 1, got 0/],
    ['clock', { clock: {} }, /failoverGroup: clock must be a Clock \(with now\(\)\)/],
    ['random', { random: 4 }, /failoverGroup: random must be a function, got number/],
  ])('names the option and the value: %s', (_what, extra, message) => {
    expect(() => resolve(extra)).toThrow(message);
  });
});
