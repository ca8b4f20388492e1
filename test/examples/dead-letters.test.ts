import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/dead-letters.js';
import { drive } from './drive.js';

describe('examples/dead-letters', () => {
  it('fills that failed for good are kept, replayed once the service is back, booked once each, then purged', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const lines: string[] = [];
    const result = await drive(clock, main({ clock, log: (line) => lines.push(line) }));

    expect(result.deadLettered).toBe(3);
    expect(lines.filter((l) => l.includes('bookFill') && l.includes('503 Service Unavailable'))).toHaveLength(3);
    expect(result.replayed).toBe(3);
    expect(result.failed).toBe(0);
    // One reply was lost during the replay: four calls, yet three fills booked (same idempotency key).
    expect(result.replayCalls).toBe(4);
    expect(result.booked).toBe(3);
    expect(result.purged).toBe(3);
  });
});
