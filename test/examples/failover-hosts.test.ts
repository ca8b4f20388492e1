import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/failover-hosts.js';
import { drive, seeded } from './drive.js';

describe('examples/failover-hosts', () => {
  it('routes around a refusing host, fails over to the backup, fails back, and keeps the operator in the history', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const result = await drive(clock, main({ clock, random: seeded(3), log: (l) => lines.push(l) }));

    expect(result.allUp).toEqual({ served: { api1: 25, api2: 25, api3: 25, api4: 25, 'api-gcp': 0 }, errors: 0 });
    // api2 refused three calls, each tried again on another host, and was ejected: no caller saw an error.
    expect(result.api2Down.errors).toBe(0);
    expect(result.api2Down.served.api2).toBe(0);
    expect(result.api2Down.served['api-gcp']).toBe(0);
    // Three hosts dying at once: a few requests hit two dead hosts before all three were ejected.
    expect(result.levelDown.errors).toBeGreaterThan(0);
    expect(result.levelDown.errors).toBeLessThanOrEqual(9);
    expect(result.levelDown.served['api-gcp']).toBe(100 - result.levelDown.errors);
    expect(result.back).toMatchObject({ errors: 0, served: { 'api-gcp': 0 } });
    expect(result.drained).toMatchObject({ errors: 0, served: { api1: 0 } });

    const routing = result.history.filter((c) => c.kind === 'routing').map((c) => [c.reason, c.activePriority]);
    expect(routing).toContainEqual(['failover', 1]);
    expect(routing).toContainEqual(['failback', 0]);
    expect(result.history.at(-1)).toMatchObject({ endpoint: 'api1', to: 'drained', reason: 'operator', detail: 'upgrade to the new TLS settings', actor: 'ops-alice' });
    expect(lines.some((l) => l.startsWith('api2: healthy -> ejected (consecutive-gateway-failures'))).toBe(true);
  });
});
