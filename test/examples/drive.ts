import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { ManualClock } from 'bulwark';

/**
 * Runs an example's main() to completion on a ManualClock: moves time forward in steps until
 * the promise settles (the examples wait only on the clock they are given). Time moves only
 * while something waits on the clock; otherwise the loop yields so file or socket I/O can finish.
 */
export async function drive<T>(clock: ManualClock, run: Promise<T>, stepMs = 10, maxSteps = 100_000): Promise<T> {
  let settled = false;
  run.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let step = 0; !settled && step < maxSteps; step++) {
    if (clock.pendingTimers > 0) await clock.advance(stepMs);
    else await yieldToIo();
  }
  if (!settled) throw new Error(`example did not finish within ${stepMs * maxSteps} ms of clock time or I/O turns`);
  return run;
}

export { seededRandom as seeded } from '../../src/core/random.js';
