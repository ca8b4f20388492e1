/** Memory pressure holds what it says and lets go of it on every way out (its own account, not GC timing). */
import { describe, expect, it } from 'vitest';
import { MEMORY_PRESSURE_DEFAULTS, memoryLimitBytes, memoryPressure } from '../../../src/chaos/index.js';
import { ManualClock } from '../../../src/core/clock.js';

const MiB = 1024 * 1024;

describe('memoryPressure', () => {
  it('holds mb MiB until the duration ends, then releases them (reason completed)', async () => {
    const clock = new ManualClock();
    const handle = memoryPressure({ mb: 3, chunkMb: 1, durationMs: 5_000, clock });
    expect(handle.heldBytes).toBe(3 * MiB);
    expect(handle.state).toBe('running');
    await clock.advance(4_999);
    expect(handle.heldBytes).toBe(3 * MiB);
    await clock.advance(1);
    expect(await handle.done).toEqual({ reason: 'completed' });
    expect(handle.heldBytes).toBe(0);
    expect(handle.state).toBe('ended');
    expect(clock.pendingTimers).toBe(0);
  });

  it('releases on stop(), and a second stop() is a no-op', async () => {
    const clock = new ManualClock();
    const handle = memoryPressure({ mb: 2, chunkMb: 1, durationMs: 60_000, clock });
    await handle.stop();
    expect(handle.heldBytes).toBe(0);
    expect(await handle.done).toEqual({ reason: 'stopped' });
    await handle.stop();
    expect(await handle.done).toEqual({ reason: 'stopped' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('releases when the caller\'s signal aborts, and applies nothing when it already had', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const handle = memoryPressure({ mb: 1, durationMs: 60_000, clock, signal: controller.signal });
    expect(handle.heldBytes).toBe(MiB);
    controller.abort();
    expect(await handle.done).toEqual({ reason: 'aborted' });
    expect(handle.heldBytes).toBe(0);
    const late = memoryPressure({ mb: 1, durationMs: 60_000, clock, signal: controller.signal });
    expect(late.heldBytes).toBe(0);
    expect(await late.done).toEqual({ reason: 'aborted' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('releases on process exit: its exit listener is there while it runs, reverts when called, and is gone after', async () => {
    const before = process.listeners('exit');
    const handle = memoryPressure({ mb: 1, durationMs: 60_000, clock: new ManualClock() });
    const added = process.listeners('exit').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    (added[0] as (code: number) => void)(0);
    expect(handle.heldBytes).toBe(0);
    expect(await handle.done).toEqual({ reason: 'process-exit' });
    expect(process.listeners('exit')).toEqual(before);
  });

  it('refuses more than its share of the memory the process may use, saying why', () => {
    const capMb = Math.floor((memoryLimitBytes() * MEMORY_PRESSURE_DEFAULTS.maxShareOfMemory) / MiB);
    expect(() => memoryPressure({ mb: capMb + 1, durationMs: 1_000 })).toThrow(
      `memoryPressure: mb must be <= ${capMb} (maxShareOfMemory 0.25 of the ${Math.floor(memoryLimitBytes() / MiB)} MiB this process may use), got ${capMb + 1}`,
    );
    expect(() => memoryPressure({ mb: 1, durationMs: 1_000, maxShareOfMemory: 0.95 })).toThrow('memoryPressure: maxShareOfMemory must be a finite number > 0 and <= 0.9, got 0.95');
    expect(() => memoryPressure({ mb: 1, durationMs: 700_000 })).toThrow('memoryPressure: durationMs must be a finite number > 0 and <= 600000, got 700000');
  });
});
