/**
 * Property: under any sequence of endpoint failures and successes, health-check results, time
 * advances, drains and pins, a failover group never hands a call to an endpoint that is ejected,
 * unhealthy or drained, unless it is in panic (then never a drained one) or the endpoint is pinned;
 * and it never has more endpoints ejected than maxEjectionShare allows (at least one).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { NoEndpointError } from '../../src/failover/errors.js';
import { failoverGroup } from '../../src/failover/failover-group.js';
import type { CallOutcome, FailoverGroupSnapshot, FailoverStrategy } from '../../src/failover/types.js';

type Op =
  | { kind: 'calls'; count: number; exclude: number | undefined }
  | { kind: 'behave'; endpoint: number; outcome: CallOutcome }
  | { kind: 'checks'; endpoint: number; passing: boolean }
  | { kind: 'late-result'; endpoint: number; outcome: CallOutcome }
  | { kind: 'advance'; ms: number }
  | { kind: 'drain' | 'undrain' | 'pin'; endpoint: number }
  | { kind: 'automatic' };

const outcome = fc.constantFrom<CallOutcome>('success', 'gateway', 'failure', 'neutral');
const index = fc.integer({ min: 0, max: 5 });

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('calls' as const), count: fc.integer({ min: 1, max: 30 }), exclude: fc.option(index, { nil: undefined }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('behave' as const), endpoint: index, outcome }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('checks' as const), endpoint: index, passing: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('late-result' as const), endpoint: index, outcome }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4_000 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('drain' as const, 'undrain' as const, 'pin' as const), endpoint: index }), weight: 1 },
  { arbitrary: fc.constant<Op>({ kind: 'automatic' }), weight: 1 },
);

const ROUTABLE = new Set(['healthy', 'warming']);

function allowed(snap: FailoverGroupSnapshot, name: string): boolean {
  const state = snap.endpoints.find((e) => e.name === name)!.state;
  if (snap.mode === 'pinned') return snap.manual.pinned === name;
  if (snap.mode === 'panic') return state !== 'drained';
  return ROUTABLE.has(state);
}

describe('a failover group never routes out of bounds', () => {
  it('holds under any sequence of failures, checks, time, drains and pins (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<FailoverStrategy>('priority', 'p2c', 'roundRobin', 'weighted'),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 6 }),
        fc.constantFrom(0.1, 0.34, 0.5, 1),
        fc.constantFrom(0, 0.3, 0.5),
        fc.integer(),
        fc.array(op, { minLength: 1, maxLength: 40 }),
        async (strategy, priorities, maxEjectionShare, panicThreshold, seed, ops) => {
          const clock = new ManualClock(0);
          const names = priorities.map((_, i) => `e${i}`);
          const behaviour = new Map<string, CallOutcome>();
          const checkFails = new Set<string>();
          const group = failoverGroup<string>({
            name: 'prop',
            strategy,
            endpoints: names.map((name, i) => ({ name, target: name, priority: priorities[i], weight: 1 + (i % 3) })),
            panicThreshold,
            outlierDetection: { maxEjectionShare, intervalMs: 1_000, baseEjectionMs: 1_500, maxEjectionMs: 6_000, consecutiveGatewayFailures: 2, consecutiveFailures: 3, failurePercentageMinimumCalls: 4, successRateMinimumCalls: 5, successRateMinimumEndpoints: 2 },
            healthCheck: { check: async (target) => !checkFails.has(target), intervalMs: 700, jitterShare: 0.3, unhealthyThreshold: 2, healthyThreshold: 1 },
            slowStart: { windowMs: 2_000 },
            clock,
            random: seededRandom(seed),
          });
          group.start();
          const maxEjected = Math.max(1, Math.floor(maxEjectionShare * names.length));
          const name = (i: number): string => names[i % names.length]!;
          try {
            for (const step of ops) {
              switch (step.kind) {
                case 'calls':
                  for (let c = 0; c < step.count; c++) {
                    const before = group.snapshot();
                    let picked;
                    try {
                      picked = group.pick(step.exclude === undefined ? undefined : new Set([name(step.exclude)]));
                    } catch (error) {
                      expect(error).toBeInstanceOf(NoEndpointError);
                      // Refused only when nothing may take the call.
                      expect(before.endpoints.filter((e) => allowed(before, e.name))).toEqual([]);
                      continue;
                    }
                    expect(allowed(before, picked.name), `${picked.name} (${JSON.stringify(before.endpoints.map((e) => [e.name, e.state]))}, mode ${before.mode})`).toBe(true);
                    group.record(picked, behaviour.get(picked.name) ?? 'success', 10);
                  }
                  break;
                case 'behave':
                  behaviour.set(name(step.endpoint), step.outcome);
                  break;
                case 'checks':
                  if (step.passing) checkFails.delete(name(step.endpoint));
                  else checkFails.add(name(step.endpoint));
                  break;
                case 'late-result':
                  group.record({ name: name(step.endpoint), target: name(step.endpoint), priority: 0 }, step.outcome, 20);
                  break;
                case 'advance':
                  await clock.advance(step.ms);
                  break;
                case 'drain':
                  if (group.manual().pinned !== name(step.endpoint)) group.drain(name(step.endpoint), { reason: 'property' });
                  break;
                case 'undrain':
                  group.undrain(name(step.endpoint), { reason: 'property' });
                  break;
                case 'pin':
                  if (!group.manual().drained.includes(name(step.endpoint))) group.pin(name(step.endpoint), { reason: 'property' });
                  break;
                case 'automatic':
                  group.automatic({ reason: 'property' });
                  break;
              }
              const snap = group.snapshot();
              // Counted by ejection time, so an ejected endpoint that is also drained counts too.
              expect(snap.endpoints.filter((e) => e.ejectedUntil !== undefined).length).toBeLessThanOrEqual(maxEjected);
            }
          } finally {
            group.stop();
          }
        },
      ),
      { numRuns: 150, seed: 20_261_205 },
    );
  });
});
