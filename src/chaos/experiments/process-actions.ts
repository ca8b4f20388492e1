/**
 * The process-level faults (../process/) as experiment actions. Each fault is bounded twice: the
 * step reverts it when its duration ends (or the run aborts), and the fault itself ends after
 * `maxDurationMs` should the runner never get to revert it.
 */
import { z } from 'zod';
import { cpuBurn } from '../process/cpu-burn.js';
import { eventLoopBlocking } from '../process/event-loop-blocking.js';
import { memoryPressure } from '../process/memory-pressure.js';
import type { ProcessFaultHandle } from '../process/process-fault.js';
import type { ActivityContext, ChaosAction } from './activities.js';

// Ten minutes: past any step of a sane experiment, short of a fault left behind for good.
const maxDurationMs = z.number().int().min(1).max(3_600_000).default(600_000);

/** The fault stays visible on the handle (its state, what it holds) for whoever started it. */
const handleOf = <F extends ProcessFaultHandle>(fault: F) => ({ fault, stop: () => fault.stop() });
const common = (ctx: ActivityContext, max: number) => ({ durationMs: max, signal: ctx.signal, clock: ctx.clock });

const memoryArgs = z.strictObject({ mb: z.number().positive().default(256), maxDurationMs });
export const processMemoryPressure: ChaosAction<z.infer<typeof memoryArgs>> = {
  name: 'process-memory-pressure',
  description: 'holds `mb` MiB of memory in this process (bounded to a share of what it may use)',
  args: memoryArgs,
  start: (ctx, a) => handleOf(memoryPressure({ mb: a.mb, ...common(ctx, a.maxDurationMs) })),
};

const blockingArgs = z.strictObject({ blockMs: z.number().positive().default(200), everyMs: z.number().positive().default(1_000), maxDurationMs });
export const processEventLoopBlocking: ChaosAction<z.infer<typeof blockingArgs>> = {
  name: 'process-event-loop-blocking',
  description: 'blocks the event loop for `blockMs` every `everyMs`',
  args: blockingArgs,
  start: (ctx, a) => handleOf(eventLoopBlocking({ blockMs: a.blockMs, everyMs: a.everyMs, ...common(ctx, a.maxDurationMs) })),
};

const cpuArgs = z.strictObject({ share: z.number().positive().max(1).default(0.5), maxDurationMs });
export const processCpuBurn: ChaosAction<z.infer<typeof cpuArgs>> = {
  name: 'process-cpu-burn',
  description: 'burns `share` of one core in a worker thread',
  args: cpuArgs,
  start: (ctx, a) => handleOf(cpuBurn({ share: a.share, ...common(ctx, a.maxDurationMs) })),
};

export const processActions: readonly ChaosAction<never>[] = [processMemoryPressure, processEventLoopBlocking, processCpuBurn] as ChaosAction<never>[];
