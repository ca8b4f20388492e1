/**
 * CPU burn: a worker thread spins for `share` of each `sliceMs` and sleeps for the rest, so it
 * takes about `share` of one core for `durationMs`, as a noisy neighbour would. The process's
 * own event loop is untouched (see eventLoopBlocking for that).
 *
 * Bounded: one worker, so at most one core; it stops on its own when told (a shared flag it
 * reads while spinning) and is terminated as well, so a stuck worker cannot outlive the fault.
 * The worker is `unref`ed: it never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import { checkNumber } from '../../core/option-checks.js';
import { type ProcessFaultHandle, ProcessFaultLifetime, type ProcessFaultOptions, checkProcessFaultOptions } from './process-fault.js';

export interface CpuBurnOptions extends ProcessFaultOptions {
  /** The share of one core to take, in (0, 1]. */
  share: number;
  /** One spin-and-rest cycle (ms). */
  sliceMs?: number;
}

export const CPU_BURN_DEFAULTS = {
  /** 100 ms cycles: fine enough that a one-second CPU sample reads a steady share. */
  sliceMs: 100,
  /** One worker burns at most one core: the process's own threads keep the others. */
  maxShare: 1,
  /** A small heap for a worker that allocates nothing. */
  workerHeapMb: 8,
};

/** The worker: spin while the flag is 0 for `share` of each slice, rest (woken by the flag) for the rest. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const flag = new Int32Array(workerData.flag);
const busyMs = workerData.share * workerData.sliceMs;
const restMs = workerData.sliceMs - busyMs;
while (Atomics.load(flag, 0) === 0) {
  const end = performance.now() + busyMs;
  while (performance.now() < end && Atomics.load(flag, 0) === 0) {}
  if (restMs > 0) Atomics.wait(flag, 0, 0, restMs);
}
`;

export interface CpuBurnHandle extends ProcessFaultHandle {
  /** Whether the worker thread is alive (false once reverted: it has exited). */
  readonly workerAlive: boolean;
}

class CpuBurn extends ProcessFaultLifetime implements CpuBurnHandle {
  workerAlive = false;

  burn(share: number, sliceMs: number): () => Promise<void> {
    const flagBuffer = new SharedArrayBuffer(4);
    const flag = new Int32Array(flagBuffer);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { flag: flagBuffer, share, sliceMs },
      resourceLimits: { maxOldGenerationSizeMb: CPU_BURN_DEFAULTS.workerHeapMb },
      stdout: false,
      stderr: false,
    });
    this.workerAlive = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    void exited.then(() => {
      this.workerAlive = false;
      // A worker that ends before it was told to (it failed) ends the fault.
      void this.end({ reason: 'failed', error: new Error('cpuBurn: the worker thread exited on its own') });
    });
    worker.once('error', (error) => void this.end({ reason: 'failed', error }));
    worker.unref();
    return async () => {
      // First the flag (the worker ends its loop within one spin check), then terminate as a backstop.
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
      await exited;
    };
  }
}

/** Burns `share` of one core in a worker thread for `durationMs`; see CpuBurnHandle. */
export function cpuBurn(options: CpuBurnOptions): CpuBurnHandle {
  const base = checkProcessFaultOptions('cpuBurn', options);
  checkNumber('cpuBurn', 'share', options.share, 0, CPU_BURN_DEFAULTS.maxShare, true);
  const sliceMs = options.sliceMs ?? CPU_BURN_DEFAULTS.sliceMs;
  checkNumber('cpuBurn', 'sliceMs', sliceMs, 1, 10_000);
  const fault = new CpuBurn(base);
  return fault.start(() => fault.burn(options.share, sliceMs));
}
