import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/adaptive-concurrency.js';
import { drive } from './drive.js';

describe('examples/adaptive-concurrency', () => {
  it('the limiter keeps fewer calls inside the slowing service, so calls are faster and the work ends sooner', async () => {
    const clock = new ManualClock();
    const { unguarded, guarded, settledRange } = await drive(clock, main({ clock, log: () => {} }), 1);

    // Unguarded, all 30 workers pile into the service and each call takes ~220 ms.
    expect(unguarded.peakInflight).toBe(30);
    expect(guarded.peakInflight).toBeLessThan(unguarded.peakInflight);
    expect(guarded.meanMs).toBeLessThan(unguarded.meanMs);
    expect(guarded.elapsedMs).toBeLessThan(unguarded.elapsedMs);
    expect(guarded.shed).toBe(0); // callers queued for a slot; none was refused
    // The limit settles around what the service holds at its base latency (10 calls), not at 30.
    expect(settledRange[1]).toBeLessThan(30);
    expect(settledRange[0]).toBeGreaterThanOrEqual(1);
  });
});
