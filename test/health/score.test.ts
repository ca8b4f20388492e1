import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { healthScore } from '../../src/health/score.js';
import type { CheckReport, ReportedStatus } from '../../src/health/types.js';

function check(name: string, group: string, status: ReportedStatus, weight = 1, message?: string, critical = false): CheckReport {
  return {
    name,
    group,
    status,
    ownStatus: status === 'affected' ? 'unknown' : status,
    critical,
    weight,
    tags: [],
    component: name,
    measurement: 'status',
    checkedAt: 0,
    durationMs: 0,
    ...(message ? { message } : {}),
  };
}

describe('healthScore', () => {
  it('is 100 with no reasons when everything is up', () => {
    const score = healthScore({ checks: [check('a', 'resilience', 'up'), check('b', 'system', 'up')] });
    expect(score.score).toBe(100);
    expect(score.reasons).toEqual([]);
  });

  it('uses the default group weights 40/30/20/10 and lists the reasons that lowered it, largest first', () => {
    const score = healthScore({
      checks: [
        check('breaker:binance', 'resilience', 'down', 1, 'breaker binance is open'),
        check('breaker:kraken', 'resilience', 'up'),
        check('memory', 'system', 'degraded', 1, 'heap used/limit 0.90 ratio >= 0.85'),
        check('postgres', 'services', 'up'),
        check('feeds', 'trading', 'up'),
      ],
    });
    // resilience: one of two down -> loses 20; system: degraded -> loses 15.
    expect(score.score).toBe(65);
    expect(score.reasons).toEqual([
      { check: 'breaker:binance', group: 'resilience', status: 'down', lost: 20, message: 'breaker binance is open' },
      { check: 'memory', group: 'system', status: 'degraded', lost: 15, message: 'heap used/limit 0.90 ratio >= 0.85' },
    ]);
    expect(score.groups.resilience).toEqual({ score: 50, weight: 0.4 });
  });

  it('re-normalises when a group has no checks, and honours custom weights', () => {
    const score = healthScore({ checks: [check('a', 'system', 'down'), check('b', 'trading', 'up')] }, { weights: { system: 1, trading: 3 } });
    expect(score.score).toBe(75);
    expect(score.reasons[0]).toMatchObject({ check: 'a', lost: 25, message: 'a is down' });
  });

  it('counts an unknown check as half of its share (it cannot be vouched for), not as up or down', () => {
    const score = healthScore({ checks: [check('a', 'system', 'unknown'), check('b', 'system', 'up')] }, { weights: { system: 1 } });
    expect(score.score).toBe(75);
    expect(score.reasons).toEqual([{ check: 'a', group: 'system', status: 'unknown', lost: 25, message: 'a is unknown' }]);
    expect(score.groups.system).toEqual({ score: 75, weight: 1 });
  });

  it('leaves out a group whose checks all weigh 0, and scores the other groups alone', () => {
    const checks = [check('a', 'system', 'degraded'), check('z1', 'trading', 'degraded', 0), check('z2', 'trading', 'unknown', 0)];
    const score = healthScore({ checks }, { weights: { system: 1, trading: 1 } });
    expect(score.score).toBe(50);
    expect(Object.keys(score.groups)).toEqual(['system']);
    expect(score.groups.system).toEqual({ score: 50, weight: 1 });
    expect(score.reasons.map((r) => r.check)).toEqual(['a']);
  });

  it('is 100 when every check weighs 0 and none is down', () => {
    expect(healthScore({ checks: [check('z', 'system', 'degraded', 0)] }).score).toBe(100);
  });

  it('falls under the alert threshold (80) while a check is down, however little it weighs', () => {
    // A halted trading gate: one down check in the lightest group would only cost 10 points.
    const score = healthScore({ checks: [check('trading-gate', 'trading', 'down', 1, 'trading gate halted'), check('memory', 'system', 'up'), check('storage', 'services', 'up'), check('breaker:x', 'resilience', 'up')] });
    expect(score.score).toBe(79);
    expect(score.reasons).toEqual([{ check: 'trading-gate', group: 'trading', status: 'down', lost: 21, message: 'trading gate halted' }]);
  });

  it('falls into the bottom half while a critical check is down or affected, even one that weighs 0', () => {
    const up = [check('memory', 'system', 'up'), check('storage', 'services', 'up')];
    expect(healthScore({ checks: [...up, check('breaker:exchange', 'resilience', 'down', 0, undefined, true)] }).score).toBe(49);
    expect(healthScore({ checks: [...up, check('feed', 'trading', 'affected', 1, undefined, true)] }).score).toBe(49);
    // A non-critical affected check is not down: no cap.
    expect(healthScore({ checks: [...up, check('feed', 'trading', 'affected', 1)] }).score).toBe(92);
    expect(healthScore({ checks: [check('z', 'system', 'down', 0, 'z is out', true)] }).reasons).toEqual([{ check: 'z', group: 'system', status: 'down', lost: 51, message: 'z is out' }]);
  });

  it('rejects a cap outside 0-100 with its name', () => {
    expect(() => healthScore({ checks: [] }, { downCap: 120 })).toThrow(/downCap/);
  });

  it('rejects a negative weight with the group named', () => {
    expect(() => healthScore({ checks: [] }, { weights: { system: -1 } })).toThrow('healthScore: weights["system"] must be a finite number >= 0, got -1');
  });

  it('property: the score is within 0-100 and the reasons account for every lost point', () => {
    const statuses: ReportedStatus[] = ['up', 'degraded', 'down', 'unknown', 'affected'];
    const groups = ['resilience', 'system', 'services', 'trading'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ group: fc.constantFrom(...groups), status: fc.constantFrom(...statuses), weight: fc.integer({ min: 0, max: 5 }), critical: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        (items) => {
          const result = healthScore({ checks: items.map((it, i) => check(`c${i}`, it.group, it.status, it.weight, undefined, it.critical)) });
          if (items.some((it) => it.status === 'down')) expect(result.score).toBeLessThan(80);
          expect(result.score).toBeGreaterThanOrEqual(0);
          expect(result.score).toBeLessThanOrEqual(100);
          const lost = result.reasons.reduce((s, r) => s + r.lost, 0);
          // The score rounds to a whole point and each reason to a tenth: exactly on that bound is allowed (1e-9 for float sums).
          expect(Math.abs(100 - lost - result.score)).toBeLessThanOrEqual(0.5 + 0.05 * result.reasons.length + 1e-9);
        },
      ),
      { seed: 20261205 },
    );
  });

  it('reasons account for the lost points exactly on the rounding bound (regression: 0.6000000000000014 > 0.6 failed a run)', () => {
    const result = healthScore({ checks: [check('c0', 'system', 'unknown', 5), check('c1', 'trading', 'up', 1), check('c2', 'system', 'affected', 5), check('c3', 'resilience', 'up', 0)] });
    const lost = result.reasons.reduce((s, r) => s + r.lost, 0);
    expect(Math.abs(100 - lost - result.score)).toBeCloseTo(0.5 + 0.05 * result.reasons.length, 9);
  });
});
