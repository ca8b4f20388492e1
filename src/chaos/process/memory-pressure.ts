/**
 * Memory pressure: holds `mb` megabytes (MiB) in Buffers for a while, then lets go of them.
 * Buffers live outside the JavaScript heap, as a process's sockets, files and native clients
 * do; each is filled, so the pages are really taken (a zero-filled allocation may be lazy).
 *
 * Bounded: at most `maxShareOfMemory` of the memory the process may use (the container's limit
 * when one is set, else the machine's). `heldBytes` is the fault's own account of what it holds:
 * 0 once reverted, whenever the garbage collector gets to the Buffers.
 */
import { totalmem } from 'node:os';
import { checkInteger, checkNumber } from '../../core/option-checks.js';
import { type ProcessFaultHandle, ProcessFaultLifetime, type ProcessFaultOptions, checkProcessFaultOptions } from './process-fault.js';

const MiB = 1024 * 1024;

export interface MemoryPressureOptions extends ProcessFaultOptions {
  /** MiB to hold (> 0). */
  mb: number;
  /** MiB per Buffer. */
  chunkMb?: number;
  /** The most the fault may hold, as a share of the memory the process may use, in (0, 0.9]. */
  maxShareOfMemory?: number;
}

export const MEMORY_PRESSURE_DEFAULTS = {
  /** 16 MiB per Buffer: few objects to track, and an allocation that fails does so early. */
  chunkMb: 16,
  /** A quarter: chaos squeezes the process, it does not kill it or its neighbours. */
  maxShareOfMemory: 0.25,
};

/** The memory this process may use: a cgroup limit when there is one, else the machine's total. */
export function memoryLimitBytes(): number {
  const total = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

export interface MemoryPressureHandle extends ProcessFaultHandle {
  /** Bytes the fault holds now: `mb` MiB while running, 0 once reverted. */
  readonly heldBytes: number;
}

class MemoryPressure extends ProcessFaultLifetime implements MemoryPressureHandle {
  private held: Buffer[] = [];
  private bytes = 0;

  get heldBytes(): number {
    return this.bytes;
  }

  hold(totalBytes: number, chunkBytes: number): () => void {
    const release = (): void => {
      this.held = [];
      this.bytes = 0;
    };
    try {
      for (let left = totalBytes; left > 0; left -= chunkBytes) {
        const size = Math.min(chunkBytes, left);
        this.held.push(Buffer.alloc(size, 0x5a));
        this.bytes += size;
      }
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }
}

/** Holds `mb` MiB for `durationMs`; see MemoryPressureHandle. Throws a RangeError past the cap. */
export function memoryPressure(options: MemoryPressureOptions): MemoryPressureHandle {
  const base = checkProcessFaultOptions('memoryPressure', options);
  const chunkMb = options.chunkMb ?? MEMORY_PRESSURE_DEFAULTS.chunkMb;
  checkInteger('memoryPressure', 'chunkMb', chunkMb, 1, false, 1024);
  const maxShare = options.maxShareOfMemory ?? MEMORY_PRESSURE_DEFAULTS.maxShareOfMemory;
  checkNumber('memoryPressure', 'maxShareOfMemory', maxShare, 0, 0.9, true);
  const capMb = Math.floor((memoryLimitBytes() * maxShare) / MiB);
  checkNumber('memoryPressure', 'mb', options.mb, 0, Infinity, true);
  if (options.mb > capMb) {
    throw new RangeError(`memoryPressure: mb must be <= ${capMb} (maxShareOfMemory ${maxShare} of the ${Math.floor(memoryLimitBytes() / MiB)} MiB this process may use), got ${options.mb}`);
  }
  const fault = new MemoryPressure(base);
  return fault.start(() => fault.hold(Math.round(options.mb * MiB), chunkMb * MiB));
}
