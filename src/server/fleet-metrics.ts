/**
 * The fleet as the ops service's metrics: instances by status, each live instance's gate, the
 * fleet-wide halt and who leads each singleton duty, read from Redis every `intervalMs` (a scrape
 * never waits on Redis). Series of instances that left the list are removed at the next read.
 */
import { type Clock, setTimerOn, systemClock, type CancelTimer } from '../core/clock.js';
import type { FleetControl } from '../fleet/control.js';
import { Metrics, gateStates } from '../observe/metrics.js';

export interface FleetMetricsOptions {
  /** Time between reads of the fleet. */
  intervalMs?: number;
  clock?: Clock;
  /** A read failed (Redis away); the gauges keep their last values and the next read tries again. */
  onError?: (error: unknown) => void;
}

export const FLEET_METRICS_DEFAULTS = {
  // Five seconds: a snapshot's own period; a 15 s scrape sees at most one read old.
  intervalMs: 5_000,
  clock: systemClock as Clock,
} as const;

/** Reads the fleet now and then every `intervalMs`; returns the stopper. Resolves after the first read. */
export async function observeFleet(metrics: Metrics, fleet: FleetControl, options: FleetMetricsOptions = {}): Promise<() => void> {
  const intervalMs = options.intervalMs ?? FLEET_METRICS_DEFAULTS.intervalMs;
  const clock = options.clock ?? FLEET_METRICS_DEFAULTS.clock;
  let timer: CancelTimer | undefined;
  let stopped = false;
  const read = async (): Promise<void> => {
    try {
      const [instances, halt] = await Promise.all([fleet.instances(), fleet.haltState()]);
      const counts = { live: 0, stale: 0, left: 0 };
      for (const i of instances) counts[i.leftAt !== null ? 'left' : i.stale ? 'stale' : 'live'] += 1;
      // Reset and set in one synchronous block: a scrape sees the old set or the new one, never half.
      metrics.fleetGate.reset();
      metrics.fleetLeader.reset();
      for (const [status, n] of Object.entries(counts)) metrics.fleetInstances.set({ status }, n);
      metrics.fleetHalted.set(halt ? 1 : 0);
      for (const i of instances) {
        if (i.stale) continue;
        if (i.gateMode) Metrics.setState(metrics.fleetGate, { instance: metrics.label('instance', i.id) }, 'state', gateStates, i.gateMode);
        for (const duty of i.snapshot?.duties ?? []) metrics.fleetLeader.set({ duty, instance: metrics.label('instance', i.id) }, 1);
      }
    } catch (error) {
      options.onError?.(error);
    }
  };
  const loop = (): void => {
    if (stopped) return;
    timer = setTimerOn(clock, intervalMs, () => void read().finally(loop));
  };
  await read();
  loop();
  return () => {
    stopped = true;
    timer?.();
  };
}
