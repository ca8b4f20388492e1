/** The test driver of the offline exchange tests: it settles what settles, and fails what would hang. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { drive } from './offline-binance.js';

describe('drive', () => {
  it('advances the clock until the promise settles', async () => {
    const clock = new ManualClock(0);
    const woke = clock.sleep(1_000).then(() => clock.now());

    expect(await drive(clock, woke, 100, 50)).toBe(1_000);
  });

  it('fails, saying how far time went, when the promise is still pending once the steps run out', async () => {
    const clock = new ManualClock(0);
    const never = new Promise<never>(() => undefined);

    await expect(drive(clock, never, 100, 5)).rejects.toThrow('drive: the promise did not settle within 5 steps of 100 ms (500 ms of clock time)');
    expect(clock.now()).toBe(500);
  });
});
