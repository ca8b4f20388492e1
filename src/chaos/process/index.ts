/** Process-level faults: memory pressure, event-loop blocking, CPU burn; bounded and always reverted. */
export {
  type ProcessFaultHandle,
  type ProcessFaultOptions,
  type ProcessFaultEnd,
  type ProcessFaultEndReason,
  PROCESS_FAULT_DEFAULTS,
} from './process-fault.js';
export { memoryPressure, memoryLimitBytes, MEMORY_PRESSURE_DEFAULTS, type MemoryPressureOptions, type MemoryPressureHandle } from './memory-pressure.js';
export { eventLoopBlocking, spin, EVENT_LOOP_BLOCKING_DEFAULTS, type EventLoopBlockingOptions, type EventLoopBlockingHandle } from './event-loop-blocking.js';
export { cpuBurn, CPU_BURN_DEFAULTS, type CpuBurnOptions, type CpuBurnHandle } from './cpu-burn.js';
