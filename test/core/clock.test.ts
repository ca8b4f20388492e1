import { describe, expect, it } from 'vitest';
import { ManualClock, setTimerOn, systemClock, type Clock } from '../../src/core/clock.js';
import { AbortedError, TimeoutError } from '../../src/core/errors.js';

describe('ManualClock', () => {
  it('starts at the given time and only moves on advance', async () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires due timers in time order, each at its own time', async () => {
    const clock = new ManualClock();
    const fired: Array<[string, number]> = [];
    clock.setTimer(30, () => fired.push(['c', clock.now()]));
    clock.setTimer(10, () => fired.push(['a', clock.now()]));
    clock.setTimer(20, () => fired.push(['b', clock.now()]));
    clock.setTimer(50, () => fired.push(['late', clock.now()]));
    await clock.advance(40);
    expect(fired).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    expect(clock.now()).toBe(40);
    expect(clock.pendingTimers).toBe(1);
  });

  it('lets promise continuations run between timers, so chained sleeps complete in one advance', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const chain = (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(30_000);
        seen.push(clock.now());
      }
    })();
    await clock.advance(150_000);
    await chain;
    expect(seen).toEqual([30_000, 60_000, 90_000, 120_000, 150_000]);
  });

  it('keeps timers that come due after the advanced window', async () => {
    const clock = new ManualClock();
    let fired = false;
    clock.setTimer(100, () => (fired = true));
    await clock.advance(99);
    expect(fired).toBe(false);
    await clock.advance(1);
    expect(fired).toBe(true);
  });

  it('does not fire a cancelled timer', async () => {
    const clock = new ManualClock();
    let fired = false;
    const cancel = clock.setTimer(10, () => (fired = true));
    cancel();
    await clock.advance(20);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects a negative advance', async () => {
    await expect(new ManualClock().advance(-1)).rejects.toThrow(RangeError);
  });

  it('sleep rejects at once with AbortedError when the signal aborts, keeping the reason as cause', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const slept = clock.sleep(1_000, controller.signal);
    controller.abort('user gave up');
    const error = await slept.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).cause).toBe('user gave up');
    expect(clock.now()).toBe(0);
  });

  it('sleep passes a toolkit error that aborted the signal through unchanged', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const reason = new TimeoutError(5);
    controller.abort(reason);
    await expect(clock.sleep(10, controller.signal)).rejects.toBe(reason);
  });
});

describe('systemClock', () => {
  it('reads wall-clock time', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
  });

  it('sleep ends early on abort', async () => {
    const controller = new AbortController();
    const slept = systemClock.sleep(60_000, controller.signal);
    controller.abort();
    await expect(slept).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('setTimerOn', () => {
  it('falls back to sleep for a clock without setTimer', async () => {
    const inner = new ManualClock();
    const custom: Clock = { now: () => inner.now(), sleep: (ms, signal) => inner.sleep(ms, signal) };
    let fired = 0;
    setTimerOn(custom, 10, () => fired++);
    const cancel = setTimerOn(custom, 10, () => fired++);
    cancel();
    await inner.advance(10);
    expect(fired).toBe(1);
  });
});
