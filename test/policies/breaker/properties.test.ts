import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import { CountWindow } from '../../../src/policies/breaker/windows/count.js';
import { TIME_BUCKETS, TimeWindow } from '../../../src/policies/breaker/windows/time.js';
import { FAILED, SLOW } from '../../../src/policies/breaker/windows/window.js';
import { boom, ok, pendingCall, settled, type Pending, flush } from './helpers.js';

const lenient = { failureRateThreshold: 1, slowCallRateThreshold: Infinity, minimumCalls: 1 };
const outcome = fc.integer({ min: 0, max: 3 });
const fail = (): Promise<never> => Promise.reject(boom);

describe('breaker properties', () => {
  it('count window: totals equal a brute-force count over the last `size` outcomes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(outcome, { maxLength: 300 }), (size, outcomes) => {
        const window = new CountWindow(size, lenient);
        outcomes.forEach((o, i) => {
          window.record(o);
          const last = outcomes.slice(Math.max(0, i + 1 - size), i + 1);
          expect(window.totals()).toEqual({
            calls: last.length,
            failures: last.filter((x) => x & FAILED).length,
            slowCalls: last.filter((x) => x & SLOW).length,
          });
        });
      }),
    );
  });

  it('time window: totals equal a brute-force count of the calls in the last ten buckets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 5_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 800 }), outcome), { maxLength: 200 }),
        (ms, steps) => {
          const window = new TimeWindow(ms, lenient);
          const bucketMs = ms / TIME_BUCKETS;
          const recorded: Array<{ epoch: number; outcome: number }> = [];
          let now = 0;
          for (const [delta, o] of steps) {
            now += delta;
            window.record(o, now);
            const epoch = Math.floor(now / bucketMs);
            recorded.push({ epoch, outcome: o });
            const live = recorded.filter((r) => epoch - r.epoch < TIME_BUCKETS);
            expect(window.totals(now)).toEqual({
              calls: live.length,
              failures: live.filter((r) => r.outcome & FAILED).length,
              slowCalls: live.filter((r) => r.outcome & SLOW).length,
            });
          }
        },
      ),
    );
  });

  it('count window breaker: opens exactly when brute force says so, and never before minimumCalls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        async (size, minimumCalls, threshold, failures) => {
          const breaker = circuitBreaker({ window: { kind: 'count', size }, minimumCalls, failureRateThreshold: threshold, clock: new ManualClock() });
          const judgedFrom = Math.min(minimumCalls, size);
          for (let i = 0; i < failures.length; i++) {
            await settled(breaker.execute(failures[i] ? fail : ok));
            const last = failures.slice(Math.max(0, i + 1 - size), i + 1);
            const rate = last.filter(Boolean).length / last.length;
            const shouldOpen = last.length >= judgedFrom && rate >= threshold;
            expect(breaker.state).toBe(shouldOpen ? 'open' : 'closed');
            if (i + 1 < judgedFrom) expect(breaker.state).toBe('closed');
            if (shouldOpen) break;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('consecutive window: opens exactly at the Nth failure in a row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { maxLength: 60 }), async (n, failures) => {
        const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: n }, clock: new ManualClock() });
        let run = 0;
        for (const failed of failures) {
          await settled(breaker.execute(failed ? fail : ok));
          run = failed ? run + 1 : 0;
          expect(breaker.state).toBe(run >= n ? 'open' : 'closed');
          if (run >= n) break;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an open breaker never lets a call through before openMs has passed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10_000 }), fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 30 }), async (openMs, waits) => {
        const clock = new ManualClock();
        const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs, clock });
        await settled(breaker.execute(fail));
        let elapsed = 0;
        for (const wait of waits) {
          await clock.advance(wait);
          elapsed += wait;
          let called = false;
          await settled(breaker.execute(() => ((called = true), ok())));
          expect(called).toBe(elapsed >= openMs);
          if (called) break;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('half-open never runs more than halfOpenCalls trials at once', async () => {
    type Step = { op: 'start' } | { op: 'settle'; pick: number; failed: boolean } | { op: 'wait' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constant<Step>({ op: 'start' }),
      fc.record({ op: fc.constant('settle' as const), pick: fc.nat(), failed: fc.boolean() }),
      fc.constant<Step>({ op: 'wait' }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 60 }), async (halfOpenCalls, steps) => {
        const clock = new ManualClock();
        const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 100, halfOpenCalls, clock });
        let state = 'closed';
        let trialsThisPeriod = 0;
        breaker.on('stateChange', (c) => {
          state = c.to;
          if (c.to === 'half-open') trialsThisPeriod = 0;
        });
        await settled(breaker.execute(fail));
        const running: Pending[] = [];
        for (const s of steps) {
          if (s.op === 'wait') await clock.advance(100);
          else if (s.op === 'start') {
            const call = pendingCall(breaker);
            if (call.started) {
              running.push(call);
              if (state === 'half-open') trialsThisPeriod++;
            }
          } else if (running.length > 0) {
            const [call] = running.splice(s.pick % running.length, 1);
            if (s.failed) call!.reject();
            else call!.resolve();
            await flush();
          }
          expect(trialsThisPeriod).toBeLessThanOrEqual(halfOpenCalls);
        }
        running.forEach((c) => c.resolve());
        await Promise.all(running.map((c) => c.call));
      }),
      { numRuns: 200 },
    );
  });
});
