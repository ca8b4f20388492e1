/** Event-loop blocking on a ManualClock schedule, with a recording busy wait instead of a real spin. */
import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { eventLoopBlocking, spin } from '../../../src/chaos/index.js';
import { ManualClock } from '../../../src/core/clock.js';

function recorder(clock: ManualClock): { busyWait: (ms: number) => void; blocks: Array<{ at: number; ms: number }> } {
  const blocks: Array<{ at: number; ms: number }> = [];
  return { blocks, busyWait: (ms) => void blocks.push({ at: clock.now(), ms }) };
}

describe('eventLoopBlocking', () => {
  it('blocks blockMs every everyMs on a fixed grid until the duration ends, then clears its timers', async () => {
    const clock = new ManualClock();
    const { blocks, busyWait } = recorder(clock);
    const handle = eventLoopBlocking({ blockMs: 50, everyMs: 200, durationMs: 1_000, clock, busyWait });
    await clock.advance(999);
    expect(blocks).toEqual([200, 400, 600, 800].map((at) => ({ at, ms: 50 })));
    await clock.advance(1);
    expect((await handle.done).reason).toBe('completed');
    expect(handle.scheduled).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(5_000);
    // The end at 1,000 comes before the block due then: none at or after the end.
    expect(handle.blocks).toBe(4);
  });

  it('stop() clears the next block\'s timer', async () => {
    const clock = new ManualClock();
    const { blocks, busyWait } = recorder(clock);
    const handle = eventLoopBlocking({ blockMs: 10, everyMs: 100, durationMs: 60_000, clock, busyWait });
    await clock.advance(250);
    expect(handle.scheduled).toBe(true);
    await handle.stop();
    expect(handle.scheduled).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(blocks).toHaveLength(2);
  });

  it('the caller\'s signal stops it', async () => {
    const clock = new ManualClock();
    const { blocks, busyWait } = recorder(clock);
    const controller = new AbortController();
    const handle = eventLoopBlocking({ blockMs: 10, everyMs: 100, durationMs: 60_000, clock, busyWait, signal: controller.signal });
    await clock.advance(100);
    controller.abort();
    expect((await handle.done).reason).toBe('aborted');
    await clock.advance(1_000);
    expect(blocks).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses a block past one second or blocking more than half the time', () => {
    expect(() => eventLoopBlocking({ blockMs: 1_500, everyMs: 5_000, durationMs: 10_000 })).toThrow('eventLoopBlocking: blockMs must be a finite number > 0 and <= 1000, got 1500');
    expect(() => eventLoopBlocking({ blockMs: 60, everyMs: 100, durationMs: 10_000 })).toThrow(
      'eventLoopBlocking: blockMs / everyMs must be <= 0.5 (the loop keeps time to answer), got 60 / 100',
    );
  });

  it('the default busy wait spins on the high-resolution timer until the time asked has passed', () => {
    let t = 100;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => t++);
    try {
      spin(5);
    } finally {
      now.mockRestore();
    }
    // Read 100 at the start (the end is 105), then 101 to 105: it stops at the first read not before the end.
    expect(t).toBe(106);
  });
});
