import { describe, expect, it } from 'vitest';
import { demoScenarios } from '../../../src/demo/fault-injector.js';
import { scaleScenarios } from '../../../src/demo/soak/scale-scenarios.js';

describe('scaleScenarios', () => {
  it('scales durations and Retry-After; a ban still ends within its scenario', () => {
    const scaled = scaleScenarios(demoScenarios, 0.5);
    expect(scaled.map((s) => s.durationMs)).toEqual(demoScenarios.map((s) => Math.round(s.durationMs / 2)));
    const ban = scaled.find((s) => s.name === 'banned')!;
    expect(ban.faults.failures).toEqual([{ status: 418, retryAfterSec: 3, times: 1 }]);
    expect(ban.faults.failures![0]!.retryAfterSec! * 1_000).toBeLessThan(ban.durationMs);
    // The originals are untouched, and what is not a duration stays as it was.
    expect(demoScenarios.find((s) => s.name === 'banned')!.faults.failures![0]!.retryAfterSec).toBe(6);
    expect(scaled.find((s) => s.name === 'slow exchange')!.faults).toEqual({ latencyMs: 2_500 });
  });

  it('rejects a factor that is not a positive number', () => {
    expect(() => scaleScenarios(demoScenarios, 0)).toThrow('soak: faultScale must be a finite number > 0, got 0');
  });
});
