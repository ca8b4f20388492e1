/**
 * Event-loop blocking: busy loops of `blockMs` every `everyMs` for `durationMs`, on this thread,
 * as a slow synchronous parse or a long GC pause would: timers fire late, sockets wait, the
 * event-loop-lag metric climbs.
 *
 * Bounded: one block lasts at most `MAX_BLOCK_MS`, and blocking takes at most `maxDutyCycle`
 * of the time, so the process keeps answering in between. The schedule runs on the injected
 * clock; the busy wait itself runs on real time (`busyWait`, replaceable in tests).
 */
import { performance } from 'node:perf_hooks';
import { type CancelTimer, setTimerOn } from '../../core/clock.js';
import { checkFunction, checkNumber } from '../../core/option-checks.js';
import { type ProcessFaultHandle, ProcessFaultLifetime, type ProcessFaultOptions, checkProcessFaultOptions } from './process-fault.js';

export interface EventLoopBlockingOptions extends ProcessFaultOptions {
  /** How long each block lasts (ms, > 0). */
  blockMs: number;
  /** A block starts every this many ms (the first one `everyMs` after the start). */
  everyMs: number;
  /** Holds the thread for `ms` of real time. */
  busyWait?: (ms: number) => void;
}

/** Spins on the high-resolution timer: the thread does nothing else meanwhile. */
export function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: that is the fault
  }
}

export const EVENT_LOOP_BLOCKING_DEFAULTS = {
  /** One second at most per block: longer trips every timeout and health check at once, an outage rather than pressure. */
  maxBlockMs: 1_000,
  /** Blocked at most half the time: the process still answers between blocks. */
  maxDutyCycle: 0.5,
  /** A real spin on the high-resolution timer. */
  busyWait: spin as (ms: number) => void,
};

export interface EventLoopBlockingHandle extends ProcessFaultHandle {
  /** Blocks run so far. */
  readonly blocks: number;
  /** Whether a block is scheduled (false once reverted: its timer is cleared). */
  readonly scheduled: boolean;
}

class EventLoopBlocking extends ProcessFaultLifetime implements EventLoopBlockingHandle {
  blocks = 0;
  private cancelNext: CancelTimer | undefined;

  get scheduled(): boolean {
    return this.cancelNext !== undefined;
  }

  schedule(options: EventLoopBlockingOptions, clock: NonNullable<ProcessFaultOptions['clock']>, busyWait: (ms: number) => void): () => void {
    // Blocks start on a fixed grid (start + n * everyMs), not everyMs after the previous block ended.
    let nextAt = clock.now() + options.everyMs;
    const tick = (): void => {
      this.cancelNext = undefined;
      if (this.state !== 'running') return;
      this.blocks += 1;
      busyWait(options.blockMs);
      nextAt += options.everyMs;
      this.cancelNext = setTimerOn(clock, Math.max(0, nextAt - clock.now()), tick);
    };
    this.cancelNext = setTimerOn(clock, options.everyMs, tick);
    return () => {
      this.cancelNext?.();
      this.cancelNext = undefined;
    };
  }
}

/** Blocks the event loop `blockMs` every `everyMs` for `durationMs`; see EventLoopBlockingHandle. */
export function eventLoopBlocking(options: EventLoopBlockingOptions): EventLoopBlockingHandle {
  const base = checkProcessFaultOptions('eventLoopBlocking', options);
  checkNumber('eventLoopBlocking', 'blockMs', options.blockMs, 0, EVENT_LOOP_BLOCKING_DEFAULTS.maxBlockMs, true);
  checkNumber('eventLoopBlocking', 'everyMs', options.everyMs, 0, Infinity, true);
  const duty = options.blockMs / options.everyMs;
  if (duty > EVENT_LOOP_BLOCKING_DEFAULTS.maxDutyCycle) {
    throw new RangeError(
      `eventLoopBlocking: blockMs / everyMs must be <= ${EVENT_LOOP_BLOCKING_DEFAULTS.maxDutyCycle} (the loop keeps time to answer), got ${options.blockMs} / ${options.everyMs}`,
    );
  }
  checkFunction('eventLoopBlocking', 'busyWait', options.busyWait, true);
  const busyWait = options.busyWait ?? EVENT_LOOP_BLOCKING_DEFAULTS.busyWait;
  const fault = new EventLoopBlocking(base);
  return fault.start(() => fault.schedule(options, base.clock, busyWait));
}
