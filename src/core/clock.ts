import { abortedFrom } from './errors.js';
import { MinHeap } from './heap.js';

/** Cancels a timer set with `Clock.setTimer`; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

/**
 * The source of time for every component that waits or measures. Inject `ManualClock` in tests
 * (and to replay a recorded incident); the default everywhere is `systemClock`.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin, for a custom clock). */
  now(): number;
  /** Resolves after `ms`; rejects at once (AbortedError, or the toolkit error that aborted the signal) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Runs `callback` once after `ms`. Optional for custom clocks: the toolkit falls back to
   * `sleep` with an AbortController when a clock lacks it.
   */
  setTimer?(ms: number, callback: () => void): CancelTimer;
}

function sleepWith(clock: Clock & { setTimer(ms: number, cb: () => void): CancelTimer }, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedFrom(signal));
  return new Promise<void>((resolve, reject) => {
    if (!signal) {
      clock.setTimer(ms, resolve);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(abortedFrom(signal));
    };
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wall-clock time: `Date.now()` and Node's timers. */
export const systemClock: Clock & { setTimer(ms: number, cb: () => void): CancelTimer } = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const handle = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
  sleep(ms, signal) {
    return sleepWith(systemClock, ms, signal);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** Lets every queued promise continuation run (setImmediate fires after the microtask queue drains). */
const drainMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time order and lets
 * promise continuations run between them, so code that sleeps 30 s is tested in microseconds.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new MinHeap<ManualTimer>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const timer: ManualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    // The heap keeps cancelled timers until they come due; count only live ones.
    return this.timers.values().filter((t) => !t.cancelled).length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due on the way, in order, with
   * the clock set to each timer's own time as it fires. Continuations run between timers, so a
   * timer set by a continuation within the window fires too.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs a non-negative number, got ${ms}`);
    const target = this.time + ms;
    for (;;) {
      await drainMicrotasks();
      const next = this.timers.peek();
      if (!next || next.at > target) break;
      this.timers.pop();
      if (next.cancelled) continue;
      this.time = next.at;
      next.callback();
    }
    this.time = target;
    await drainMicrotasks();
  }
}

/**
 * A clock's timer primitive, falling back to `sleep` for custom clocks that lack `setTimer`.
 * `unref`: on the system clock the timer does not keep the process alive (for background upkeep
 * that nobody waits on); other clocks' timers are theirs to manage (a ManualClock's never hold a
 * process open), so the option does nothing there.
 */
export function setTimerOn(clock: Clock, ms: number, callback: () => void, options?: { unref?: boolean }): CancelTimer {
  if (options?.unref === true && clock === systemClock) {
    const handle = setTimeout(callback, Math.max(0, ms));
    handle.unref();
    return () => clearTimeout(handle);
  }
  if (clock.setTimer) return clock.setTimer(ms, callback);
  const controller = new AbortController();
  clock.sleep(ms, controller.signal).then(callback, () => undefined);
  return () => controller.abort();
}
