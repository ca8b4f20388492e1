/** The lifetime every process fault shares: one revert whatever ends it, errors included. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ProcessFaultLifetime } from '../../../src/chaos/process/process-fault.js';

describe('process fault lifetime', () => {
  it('reverts once when several ends race, and reports the first', async () => {
    const clock = new ManualClock();
    let reverts = 0;
    const fault = new ProcessFaultLifetime({ durationMs: 100, clock, signal: undefined }).start(() => () => void (reverts += 1));
    const stopping = fault.stop();
    await clock.advance(100);
    await Promise.all([stopping, fault.stop(), fault.end({ reason: 'failed', error: new Error('late') })]);
    expect(reverts).toBe(1);
    expect(await fault.done).toEqual({ reason: 'stopped' });
  });

  it('ends as failed, still reverted, when the fault fails', async () => {
    let reverted = false;
    const fault = new ProcessFaultLifetime({ durationMs: 100, clock: new ManualClock(), signal: undefined }).start(() => () => void (reverted = true));
    const error = new Error('worker died');
    await fault.end({ reason: 'failed', error });
    expect(reverted).toBe(true);
    expect(await fault.done).toEqual({ reason: 'failed', error });
  });

  it('resolves done (never rejects) when the revert throws, with that error', async () => {
    const error = new Error('revert failed');
    const fault = new ProcessFaultLifetime({ durationMs: 100, clock: new ManualClock(), signal: undefined }).start(() => () => {
      throw error;
    });
    await fault.stop();
    expect(await fault.done).toEqual({ reason: 'stopped', error });
  });

  it('arms nothing when applying throws: no duration timer, no exit listener', () => {
    const clock = new ManualClock();
    const listeners = process.listenerCount('exit');
    const fault = new ProcessFaultLifetime({ durationMs: 100, clock, signal: undefined });
    expect(() =>
      fault.start(() => {
        throw new RangeError('cannot allocate');
      }),
    ).toThrow('cannot allocate');
    expect(clock.pendingTimers).toBe(0);
    expect(process.listenerCount('exit')).toBe(listeners);
  });
});
