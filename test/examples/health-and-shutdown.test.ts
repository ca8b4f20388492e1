import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/health-and-shutdown.js';
import { drive } from './drive.js';

describe('examples/health-and-shutdown', () => {
  it('a network outage cascades to its dependants and lowers the score, naming the reasons', async () => {
    const clock = new ManualClock();
    const { healthyScore, degraded } = await drive(clock, main({ clock, log: () => {} }));
    expect(healthyScore).toBe(100);
    expect(degraded.status).toBe('down');
    expect(degraded.orders).toBe('affected');
    expect(degraded.cause).toEqual(['network']);
    expect(degraded.score).toBeLessThan(100);
    expect(degraded.reasons).toEqual(expect.arrayContaining(['network', 'breaker:binance', 'postgres', 'orders']));
  });

  it('SIGTERM: not ready at once, waits for the in-flight order, hooks by priority, exit code 143', async () => {
    const clock = new ManualClock();
    const { shutdown } = await drive(clock, main({ clock, log: () => {} }));
    expect(shutdown.readyDuringShutdown).toBe(false);
    expect(shutdown.phases).toEqual(['not-ready', 'delay', 'stop-accepting', 'drain', 'hooks', 'exit']);
    expect(shutdown.orderAcknowledgedBeforeHooks).toBe(true);
    expect(shutdown.hooksRun).toEqual(['flush order journal', 'close database']);
    expect(shutdown.exitCode).toBe(143);
    expect(shutdown.tookMs).toBeGreaterThanOrEqual(3_000);
  });
});
