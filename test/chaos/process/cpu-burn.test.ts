/** CPU burn: a real worker thread (at a small share), terminated on every way out. */
import { describe, expect, it } from 'vitest';
import { cpuBurn } from '../../../src/chaos/index.js';
import { ManualClock } from '../../../src/core/clock.js';

describe('cpuBurn', () => {
  it('runs a worker until the duration ends, then the worker has exited (reason completed)', async () => {
    const clock = new ManualClock();
    const handle = cpuBurn({ share: 0.05, sliceMs: 20, durationMs: 1_000, clock });
    expect(handle.workerAlive).toBe(true);
    await clock.advance(1_000);
    expect(await handle.done).toEqual({ reason: 'completed' });
    expect(handle.workerAlive).toBe(false);
  });

  it('stop() terminates the worker before it resolves', async () => {
    const handle = cpuBurn({ share: 0.05, sliceMs: 20, durationMs: 60_000, clock: new ManualClock() });
    await handle.stop();
    expect(handle.workerAlive).toBe(false);
    expect(await handle.done).toEqual({ reason: 'stopped' });
  });

  it('the caller\'s signal stops it', async () => {
    const controller = new AbortController();
    const handle = cpuBurn({ share: 0.05, sliceMs: 20, durationMs: 60_000, clock: new ManualClock(), signal: controller.signal });
    controller.abort();
    expect(await handle.done).toEqual({ reason: 'aborted' });
    expect(handle.workerAlive).toBe(false);
  });

  it('refuses more than one core', () => {
    expect(() => cpuBurn({ share: 1.5, durationMs: 1_000 })).toThrow('cpuBurn: share must be a finite number > 0 and <= 1, got 1.5');
  });
});
