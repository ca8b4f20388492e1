import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/safe-orders.js';
import { drive, seeded } from './drive.js';

describe('examples/safe-orders', () => {
  it('a lost reply is resolved by lookup, not by resending: exactly one order on the exchange', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const lines: string[] = [];
    const result = await drive(clock, main({ clock, random: seeded(3), log: (line) => lines.push(line) }), 100);

    expect(result.ordersHeld).toBe(1);
    expect(result.byRoute['POST /api/v3/order']).toBe(1);
    expect(result.againId).toBe(result.orderId);
    expect(result.journalState).toBe('OPEN');
    // The order went through an unknown state and was found, not placed again.
    expect(lines).toContain('intent rebalance-2024-06-01: SENT -> UNKNOWN');
    expect(lines).toContain('intent rebalance-2024-06-01: UNKNOWN -> OPEN');
  });
});
