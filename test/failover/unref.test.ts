/** On the system clock a started group's timers (its own and its health checks') never hold the process open. */
import { describe, expect, it } from 'vitest';
import { setTimerOn, systemClock } from '../../src/core/clock.js';
import { failoverGroup } from '../../src/failover/failover-group.js';
import { endpoints } from './helpers.js';

/** Timers that keep the event loop alive (an unref'd one is not listed). */
const heldTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('a started group on the system clock', () => {
  it('arms its timers unref-ed: they do not keep the process alive', async () => {
    const before = heldTimers();
    // A check that never answers: its timeout timer is armed too.
    const group = failoverGroup<string>({ name: 'venue', endpoints: endpoints(3), healthCheck: { check: () => new Promise<boolean>(() => undefined), intervalMs: 60_000, jitterShare: 0 } });
    group.start();
    // Checks run at start (jitter 0): let them begin and arm their timeouts.
    await new Promise((resolve) => setImmediate(resolve));
    expect(heldTimers()).toBe(before);
    group.stop();

    // The same count sees a timer that is not unref-ed.
    const cancel = setTimerOn(systemClock, 60_000, () => undefined);
    expect(heldTimers()).toBe(before + 1);
    cancel();
    expect(heldTimers()).toBe(before);
  });
});
