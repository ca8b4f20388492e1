/**
 * The life of a process-level fault (memory pressure, event-loop blocking, CPU burn): applied at
 * once, and reverted exactly once, whichever comes first:
 *
 *   stop()               → reason `stopped`
 *   the duration ends    → reason `completed`
 *   the caller's signal  → reason `aborted`
 *   the fault fails      → reason `failed` (with the error)
 *   the process exits    → reason `process-exit` (only the synchronous part of the revert runs)
 *
 * `done` resolves once the revert finished; it never rejects (an unawaited handle must not crash
 * the process with an unhandled rejection): a failure is its `error`.
 */
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../../core/clock.js';
import { checkNumber, checkObject, checkShape } from '../../core/option-checks.js';

/** Why a process fault ended. */
export type ProcessFaultEndReason = 'completed' | 'stopped' | 'aborted' | 'failed' | 'process-exit';

export interface ProcessFaultEnd {
  reason: ProcessFaultEndReason;
  /** What failed, for `failed` (or a revert that threw). */
  error?: unknown;
}

/** What every process fault returns. */
export interface ProcessFaultHandle {
  /** `running` until reverted. */
  readonly state: 'running' | 'ended';
  /** Reverts the fault now; resolves once reverted (at once when it already ended). */
  stop(): Promise<void>;
  /** Resolves once the fault ended and was reverted, with why. */
  readonly done: Promise<ProcessFaultEnd>;
}

/** What all process faults take besides their own options. */
export interface ProcessFaultOptions {
  /** How long the fault lasts (ms); it is reverted then. */
  durationMs: number;
  /** Aborting it reverts the fault at once. */
  signal?: AbortSignal;
  /** Source of time for the duration (and the fault's own timers). */
  clock?: Clock;
}

/**
 * Undoes a fault. The synchronous part runs first and must release what matters on its own
 * (on process exit nothing else runs); a returned promise is awaited before `done` resolves.
 */
export type Revert = () => void | Promise<void>;

export class ProcessFaultLifetime implements ProcessFaultHandle {
  readonly done: Promise<ProcessFaultEnd>;
  private resolveDone!: (end: ProcessFaultEnd) => void;
  private ended: ProcessFaultEnd | undefined;
  private cancelDuration: CancelTimer | undefined;
  private readonly onAbort = (): void => void this.end({ reason: 'aborted' });
  private readonly onExit = (): void => void this.end({ reason: 'process-exit' });
  private revert: Revert = () => undefined;

  constructor(private readonly options: { durationMs: number; clock: Clock; signal: AbortSignal | undefined }) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get state(): 'running' | 'ended' {
    return this.ended === undefined ? 'running' : 'ended';
  }

  /**
   * Applies the fault (`apply` returns its revert) and arms the ends. A signal already aborted
   * applies nothing. If `apply` throws, what it applied is its own to undo; the error is rethrown.
   */
  start(apply: () => Revert): this {
    const { signal, clock, durationMs } = this.options;
    if (signal?.aborted) {
      this.ended = { reason: 'aborted' };
      this.resolveDone(this.ended);
      return this;
    }
    this.revert = apply();
    this.cancelDuration = setTimerOn(clock, durationMs, () => void this.end({ reason: 'completed' }));
    signal?.addEventListener('abort', this.onAbort, { once: true });
    process.once('exit', this.onExit);
    return this;
  }

  stop(): Promise<void> {
    return this.end({ reason: 'stopped' });
  }

  /** Ends the fault for `end.reason` (the first call wins) and resolves once reverted. */
  async end(end: ProcessFaultEnd): Promise<void> {
    if (this.ended !== undefined) {
      await this.done;
      return;
    }
    this.ended = end;
    this.cancelDuration?.();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    process.removeListener('exit', this.onExit);
    try {
      await this.revert();
    } catch (error) {
      end.error ??= error;
    }
    this.resolveDone(end);
  }
}

export const PROCESS_FAULT_DEFAULTS = {
  /** Ten minutes at most: a fault left on by a crashed experiment runner ends by itself. */
  maxDurationMs: 600_000,
  /** Wall-clock time. */
  clock: systemClock as Clock,
};

/** Checks the options every process fault shares; errors name the fault and the field. */
export function checkProcessFaultOptions(component: string, options: ProcessFaultOptions): { durationMs: number; clock: Clock; signal: AbortSignal | undefined } {
  checkObject(component, 'options', options, 'with `durationMs`');
  checkNumber(component, 'durationMs', options.durationMs, 0, PROCESS_FAULT_DEFAULTS.maxDurationMs, true);
  const clock = options.clock ?? PROCESS_FAULT_DEFAULTS.clock;
  checkShape(component, 'clock', clock, 'a Clock', ['now', 'sleep']);
  if (options.signal !== undefined) checkShape(component, 'signal', options.signal, 'an AbortSignal', ['addEventListener', 'removeEventListener']);
  return { durationMs: options.durationMs, clock, signal: options.signal };
}
