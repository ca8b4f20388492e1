/** A TrialPermit is asked before each half-open trial, and released once per granted trial. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { BrokenCircuitError } from '../../../src/core/errors.js';
import { circuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';
import type { TrialPermit } from '../../../src/policies/breaker/trial-permit.js';
import { failTimes, ok, pendingCall, settled, succeed } from './helpers.js';

function countingPermit(granted: boolean): TrialPermit & { asked: number; released: number; granted: boolean } {
  const permit = {
    asked: 0,
    released: 0,
    granted,
    acquire: () => {
      permit.asked++;
      return permit.granted;
    },
    release: () => {
      permit.released++;
    },
  };
  return permit;
}

async function withPermit(granted: boolean, halfOpenCalls = 1) {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ window: { kind: 'consecutive', failures: 1 }, openMs: 1_000, halfOpenCalls, clock });
  const permit = countingPermit(granted);
  breaker.setTrialPermit(permit);
  return { clock, breaker, permit };
}

describe('trial permit', () => {
  it('closed: never asked', async () => {
    const { breaker, permit } = await withPermit(false);
    await succeed(breaker, 3);
    expect(permit.asked).toBe(0);
  });

  it('open: never asked, the call is rejected as open', async () => {
    const { breaker, permit } = await withPermit(true);
    await failTimes(breaker);
    expect(await settled(breaker.execute(ok))).toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(permit.asked).toBe(0);
  });

  it('half-open, refused: the call is rejected as when trials are running, and counted', async () => {
    const { clock, breaker, permit } = await withPermit(false);
    await failTimes(breaker);
    await clock.advance(1_000);
    const events: string[] = [];
    breaker.on('rejected', (e) => events.push(e.state));
    const error = await settled(breaker.execute(ok));
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toMatchObject({ retryAfterMs: 0 });
    expect(events).toEqual(['half-open']);
    expect(breaker.metrics().notPermitted).toBe(1);
    expect(breaker.state).toBe('half-open');
    // Granted later: the trial runs and closes the breaker.
    permit.granted = true;
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
    expect(permit).toMatchObject({ asked: 2, released: 1 });
  });

  it('half-open, granted: released once when the trial fails', async () => {
    const { clock, breaker, permit } = await withPermit(true);
    await failTimes(breaker);
    await clock.advance(1_000);
    await failTimes(breaker);
    expect(breaker.state).toBe('open');
    expect(permit).toMatchObject({ asked: 1, released: 1 });
  });

  it("the breaker's own halfOpenCalls still applies before the permit is asked", async () => {
    const { clock, breaker, permit } = await withPermit(true, 2);
    await failTimes(breaker);
    await clock.advance(1_000);
    const trials = [pendingCall(breaker), pendingCall(breaker), pendingCall(breaker)];
    expect(trials.map((t) => t.started)).toEqual([true, true, false]);
    expect(permit.asked).toBe(2);
    await trials[2]!.call;
    trials[0]!.resolve();
    trials[1]!.resolve();
    await Promise.all(trials.map((t) => t.call));
    expect(breaker.state).toBe('closed');
    expect(permit.released).toBe(2);
  });

  it('a trial that settles after the state moved on is still released', async () => {
    const { clock, breaker, permit } = await withPermit(true);
    await failTimes(breaker);
    await clock.advance(1_000);
    const trial = pendingCall(breaker);
    breaker.forceOpen(1_000);
    trial.resolve();
    await trial.call;
    expect(permit.released).toBe(1);
    expect(breaker.state).toBe('open');
  });

  it('removed with undefined: trials no longer ask', async () => {
    const { clock, breaker, permit } = await withPermit(false);
    breaker.setTrialPermit(undefined);
    await failTimes(breaker);
    await clock.advance(1_000);
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
    expect(permit.asked).toBe(0);
  });
});
