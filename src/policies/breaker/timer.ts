/** The breaker's own timer (the half-open maximum wait), optionally unref'd. */
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../../core/clock.js';

/**
 * Runs `callback` once after `ms` on `clock`. With `unref` on the system clock, the timer does not
 * keep the process alive (like cockatiel's `dangerouslyUnref`); other clocks' timers are theirs to
 * manage (a ManualClock's never hold a process open).
 */
export function breakerTimer(clock: Clock, ms: number, callback: () => void, unref: boolean): CancelTimer {
  if (unref && clock === systemClock) {
    const handle = setTimeout(callback, Math.max(0, ms));
    handle.unref();
    return () => clearTimeout(handle);
  }
  return setTimerOn(clock, ms, callback);
}
